using System.Globalization;
using System.Net;
using System.Text;

namespace Archive.Worker.Build;

/// <summary>
/// Small SVG figures drawn from computed numbers, for writeups: <c>![alt](data:image/svg+xml;base64,…)</c> images
/// (the site's Markdown pipeline allows data:image URIs in images). No scripts, no external references.
/// </summary>
public static class SvgCharts
{
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    private static string E(string s) => WebUtility.HtmlEncode(s);

    public static string MarkdownImage(string alt, string svg) =>
        $"![{alt.Replace("]", ")", StringComparison.Ordinal)}](data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(svg))})";

    /// <summary>A rows × columns grid of values in [0, max], each cell labelled with its value.</summary>
    public static string Heatmap(string title, double[][] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, double max = 1)
    {
        const int cell = 46, left = 44, top = 34;
        var rows = values.Length;
        var cols = values.Max(r => r.Length);
        var width = Math.Max(left + cols * cell + 10, left + title.Length * 7);
        var height = top + rows * cell + 26;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/><text x=\"{left}\" y=\"16\" font-size=\"12\" font-weight=\"bold\">{E(title)}</text>");
        for (var r = 0; r < rows; r++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + r * cell + cell / 2 + 4}\" text-anchor=\"end\">{E(rowLabels[r])}</text>");
            for (var c = 0; c < values[r].Length; c++)
            {
                var v = Math.Clamp(values[r][c] / max, 0, 1);
                // White → dark blue.
                var red = (int)Math.Round(255 - v * (255 - 33));
                var green = (int)Math.Round(255 - v * (255 - 81));
                var blue = (int)Math.Round(255 - v * (255 - 155));
                var text = v > 0.55 ? "#fff" : "#111";
                var x = left + c * cell;
                var y = top + r * cell;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"{cell - 2}\" height=\"{cell - 2}\" fill=\"rgb({red},{green},{blue})\" stroke=\"#ccc\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + cell / 2 - 1}\" y=\"{y + cell / 2 + 4}\" text-anchor=\"middle\" fill=\"{text}\">{values[r][c].ToString("0.00", CultureInfo.InvariantCulture)}</text>");
            }
        }
        for (var c = 0; c < cols; c++)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + c * cell + cell / 2 - 1}\" y=\"{top + rows * cell + 14}\" text-anchor=\"middle\">{E(columnLabels[c])}</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>Bars of <paramref name="counts"/> over bins with the given edges (a histogram).</summary>
    public static string Histogram(string title, double[] edges, long[] counts, string xLabel)
    {
        const int width = 520, height = 220, left = 48, right = 12, top = 30, bottom = 40;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var first = Array.FindIndex(counts, c => c > 0);
        var last = Array.FindLastIndex(counts, c => c > 0);
        if (first < 0) { first = 0; last = counts.Length - 1; }
        first = Math.Max(0, first - 1);
        last = Math.Min(counts.Length - 1, last + 1);
        var shown = last - first + 1;
        var max = Math.Max(1, counts.Max());
        var barW = (double)plotW / shown;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/><text x=\"{left}\" y=\"16\" font-size=\"12\" font-weight=\"bold\">{E(title)}</text>");
        for (var b = first; b <= last; b++)
        {
            var h = plotH * counts[b] / (double)max;
            var x = left + (b - first) * barW;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(top + plotH - h)}\" width=\"{F(Math.Max(1, barW - 1))}\" height=\"{F(h)}\" fill=\"#2a5599\"/>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#333\"/>");
        var ticks = Math.Min(6, shown);
        for (var t = 0; t <= ticks; t++)
        {
            var b = first + (int)Math.Round((double)t * shown / ticks);
            var x = left + (b - first) * barW;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{top + plotH + 14}\" text-anchor=\"middle\">{F(edges[Math.Min(b, edges.Length - 1)])}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW / 2}\" y=\"{height - 6}\" text-anchor=\"middle\">{E(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 4}\" text-anchor=\"end\">{max}</text><text x=\"{left - 6}\" y=\"{top + plotH}\" text-anchor=\"end\">0</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>One or more lines over x = 0..n−1 (e.g. loss by position), with a legend.</summary>
    public static string Lines(string title, IReadOnlyList<(string Label, double[] Values, string Color)> series, string xLabel, string yLabel)
    {
        const int width = 520, height = 240, left = 48, right = 12, top = 30, bottom = 40;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var n = series.Max(s => s.Values.Length);
        var low = series.Min(s => s.Values.Min());
        var high = series.Max(s => s.Values.Max());
        var pad = Math.Max(1e-9, (high - low) * 0.05);
        var min = low - pad;
        var max = high + pad;
        double X(int i) => left + plotW * i / (double)Math.Max(1, n - 1);
        double Y(double v) => top + plotH - plotH * (v - min) / (max - min);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/><text x=\"{left}\" y=\"16\" font-size=\"12\" font-weight=\"bold\">{E(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotH}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 4}\" text-anchor=\"end\">{F(max)}</text><text x=\"{left - 6}\" y=\"{top + plotH}\" text-anchor=\"end\">{F(min)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{top + plotH + 14}\" text-anchor=\"middle\">0</text><text x=\"{left + plotW}\" y=\"{top + plotH + 14}\" text-anchor=\"middle\">{n - 1}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW / 2}\" y=\"{height - 6}\" text-anchor=\"middle\">{E(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{top + plotH / 2}\" transform=\"rotate(-90 12 {top + plotH / 2})\" text-anchor=\"middle\">{E(yLabel)}</text>");
        for (var s = 0; s < series.Count; s++)
        {
            var (label, values, color) = series[s];
            var points = string.Join(' ', values.Select((v, i) => $"{F(X(i))},{F(Y(v))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + plotW - 170}\" y=\"{height - 26 - s * 16}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{left + plotW - 155}\" y=\"{height - 17 - s * 16}\">{E(label)}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }
}
