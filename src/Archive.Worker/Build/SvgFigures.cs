using System.Globalization;
using System.Net;
using System.Text;

namespace Archive.Worker.Build;

/// <summary>
/// Small SVG figures for writeups, drawn from computed numbers and embedded as <c>data:image/svg+xml</c> images (an
/// image cannot run script, so the site's Markdown sanitiser lets these through).
/// </summary>
public static class SvgFigures
{
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A diverging heatmap (blue negative, red positive, white 0) with row and column labels.</summary>
    public static string Heatmap(IReadOnlyList<IReadOnlyList<double>> values, string title, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, double? scale = null)
    {
        int rows = values.Count, cols = values[0].Count;
        var max = scale ?? Math.Max(1e-12, values.SelectMany(r => r).Max(Math.Abs));
        const int cell = 22, left = 70, top = 40;
        int width = left + cols * cell + 60, height = top + rows * cell + 30;
        var svg = Begin(width, height, title);
        for (int r = 0; r < rows; r++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + r * cell + cell * 0.7}\" text-anchor=\"end\">{Escape(rowLabels[r])}</text>");
            for (int c = 0; c < cols; c++)
            {
                var v = values[r][c];
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + c * cell}\" y=\"{top + r * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{Diverging(v / max)}\"><title>{Escape(rowLabels[r])}, {Escape(columnLabels[c])}: {v.ToString("G4", CultureInfo.InvariantCulture)}</title></rect>");
            }
        }
        for (int c = 0; c < cols; c++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + c * cell + cell / 2}\" y=\"{top - 6}\" text-anchor=\"middle\">{Escape(columnLabels[c])}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 8}\">scale: ±{max.ToString("G3", CultureInfo.InvariantCulture)} (red +, blue −)</text>");
        return End(svg);
    }

    /// <summary>Horizontal bars, one per label, with the value printed.</summary>
    public static string Bars(IReadOnlyList<double> values, IReadOnlyList<string> labels, string title, double? threshold = null, string? thresholdLabel = null)
    {
        const int bar = 18, left = 110, top = 36, plot = 300;
        var max = Math.Max(1e-12, Math.Max(values.Max(Math.Abs), threshold ?? 0));
        int height = top + values.Count * (bar + 4) + 24, width = left + plot + 70;
        var svg = Begin(width, height, title);
        for (int i = 0; i < values.Count; i++)
        {
            var w = Math.Abs(values[i]) / max * plot;
            var y = top + i * (bar + 4);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{y + bar * 0.75}\" text-anchor=\"end\">{Escape(labels[i])}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y}\" width=\"{F(w)}\" height=\"{bar}\" fill=\"{(values[i] >= 0 ? "#c0392b" : "#2e6da4")}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + w + 4)}\" y=\"{y + bar * 0.75}\">{values[i].ToString("G3", CultureInfo.InvariantCulture)}</text>");
        }
        if (threshold is { } t)
        {
            var x = left + t / max * plot;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{top - 4}\" x2=\"{F(x)}\" y2=\"{height - 20}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{height - 6}\" text-anchor=\"middle\">{Escape(thresholdLabel ?? F(t))}</text>");
        }
        return End(svg);
    }

    /// <summary>A line chart of one or more series over a shared x axis.</summary>
    public static string Lines(IReadOnlyList<(string Name, IReadOnlyList<double> Y)> series, string title, string xLabel, string yLabel)
    {
        const int left = 50, top = 36, plotW = 420, plotH = 180;
        int width = left + plotW + 130, height = top + plotH + 40;
        var all = series.SelectMany(s => s.Y).ToList();
        double min = Math.Min(0, all.Min()), max = Math.Max(1e-12, all.Max());
        int n = series.Max(s => s.Y.Count);
        string[] colours = ["#c0392b", "#2e6da4", "#27ae60", "#8e44ad", "#d35400"];
        var svg = Begin(width, height, title);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotH}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW / 2}\" y=\"{height - 6}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 4}\" text-anchor=\"end\">{max.ToString("G3", CultureInfo.InvariantCulture)}</text><text x=\"{left - 6}\" y=\"{top + plotH}\" text-anchor=\"end\">{min.ToString("G3", CultureInfo.InvariantCulture)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{top + plotH / 2}\" transform=\"rotate(-90 12 {top + plotH / 2})\" text-anchor=\"middle\">{Escape(yLabel)}</text>");
        for (int s = 0; s < series.Count; s++)
        {
            var points = string.Join(' ', series[s].Y.Select((y, i) => $"{F(left + (n == 1 ? 0 : i * plotW / (double)(n - 1)))},{F(top + plotH - (y - min) / (max - min) * plotH)}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colours[s % colours.Length]}\" stroke-width=\"1.5\" points=\"{points}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW + 8}\" y=\"{top + 14 + s * 16}\" fill=\"{colours[s % colours.Length]}\">{Escape(series[s].Name)}</text>");
        }
        return End(svg);
    }

    /// <summary>The Markdown for an embedded figure.</summary>
    public static string Markdown(string svg, string alt) =>
        $"![{alt.Replace("]", ")", StringComparison.Ordinal)}](data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(svg))})";

    private static StringBuilder Begin(int width, int height, string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/><text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{Escape(title)}</text>");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Diverging(double t)
    {
        t = Math.Clamp(t, -1, 1);
        int Mix(int to, double a) => (int)Math.Round(255 + (to - 255) * a);
        return t >= 0
            ? $"#{Mix(192, t):x2}{Mix(57, t):x2}{Mix(43, t):x2}"
            : $"#{Mix(46, -t):x2}{Mix(109, -t):x2}{Mix(164, -t):x2}";
    }
}
