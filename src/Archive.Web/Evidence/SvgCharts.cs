using System.Globalization;
using System.Text;
using System.Xml;
using Archive.Web.Circuits;
using Archive.Web.Components.Shared;

namespace Archive.Web.Evidence;

/// <summary>
/// Small charts drawn on the server as inline SVG (no script): heatmaps of 2-D arrays with a colour-scale legend, bar
/// charts of labelled values, line charts of a series, and histograms over bin edges. Every mark carries a
/// <c>&lt;title&gt;</c> with its exact value, so hovering shows it and screen readers can reach it. Text goes through
/// <see cref="XmlWriter"/>, which escapes it.
/// </summary>
public static class SvgCharts
{
    private const string Font = "11";

    /// <summary>Heatmap of <paramref name="values"/>[row][column]. Signed data get a diverging scale centred on 0,
    /// one-signed data a sequential one from 0 (or the minimum) to the maximum.</summary>
    public static string Heatmap(double[][] values, string title, string rowName, string columnName, string? cssClass = null, bool showValues = true)
    {
        var rows = values.Length;
        var cols = rows == 0 ? 0 : values.Max(r => r.Length);
        var finite = values.SelectMany(r => r).Where(double.IsFinite).ToList();
        var scale = ColourScale.For(finite);
        var cell = Math.Clamp(420.0 / Math.Max(1, Math.Max(rows, cols)), 5, 34);
        var writeValues = showValues && cell >= 30 && rows * cols <= 400;
        const double left = 52, top = 34, legendWidth = 14;
        var gridW = cols * cell;
        var gridH = rows * cell;
        var width = left + gridW + 24 + legendWidth + 62;
        var height = top + gridH + 30;
        var rowStep = TickStep(rows, cell);
        var colStep = TickStep(cols, cell);

        return Write(w =>
        {
            Start(w, "chart heatmap " + cssClass, width, height, $"{title}: heatmap of {rows} {rowName} × {cols} {columnName}, {scale.Describe()}.");
            w.WriteElementString("title", CircuitDiagramSvg.Clean(title));
            // Axis names
            Text(w, left + gridW / 2, 12, columnName + " →", "axis-name", "middle");
            w.WriteStartElement("text");
            w.WriteAttributeString("class", "axis-name");
            w.WriteAttributeString("transform", $"translate(12,{F(top + gridH / 2)}) rotate(-90)");
            w.WriteAttributeString("text-anchor", "middle");
            w.WriteString(CircuitDiagramSvg.Clean(rowName) + " →");
            w.WriteEndElement();
            for (var c = 0; c < cols; c += colStep) Text(w, left + c * cell + cell / 2, top - 5, c.ToString(CultureInfo.InvariantCulture), "tick", "middle");
            for (var r = 0; r < rows; r += rowStep) Text(w, left - 5, top + r * cell + cell / 2 + 4, r.ToString(CultureInfo.InvariantCulture), "tick", "end");

            w.WriteStartElement("g");
            w.WriteAttributeString("class", "cells");
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < values[r].Length; c++)
                {
                    var v = values[r][c];
                    w.WriteStartElement("rect");
                    w.WriteAttributeString("x", F(left + c * cell));
                    w.WriteAttributeString("y", F(top + r * cell));
                    w.WriteAttributeString("width", F(cell));
                    w.WriteAttributeString("height", F(cell));
                    w.WriteAttributeString("fill", scale.Colour(v));
                    w.WriteAttributeString("data-value", Raw(v));
                    w.WriteElementString("title", CircuitDiagramSvg.Clean($"{rowName} {r}, {columnName} {c}: {Format.Number(v)}"));
                    w.WriteEndElement();
                    if (writeValues)
                    {
                        Text(w, left + c * cell + cell / 2, top + r * cell + cell / 2 + 4, Short(v), scale.IsDark(v) ? "cell-value dark" : "cell-value", "middle");
                    }
                }
            }
            w.WriteEndElement();
            Legend(w, scale, left + gridW + 24, top, legendWidth, Math.Max(gridH, 60));
            w.WriteEndElement();
        });
    }

    /// <summary>Horizontal bars, one per label, from a zero axis (negative values go left).</summary>
    public static string Bars(IReadOnlyList<string> labels, IReadOnlyList<double> values, string title, string? valueName = null)
    {
        var n = Math.Min(labels.Count, values.Count);
        var finite = values.Take(n).Where(double.IsFinite).ToList();
        var min = Math.Min(0, finite.DefaultIfEmpty(0).Min());
        var max = Math.Max(0, finite.DefaultIfEmpty(0).Max());
        if (max == min) max = min + 1;
        var labelWidth = Math.Clamp(labels.Take(n).Select(l => l.Length).DefaultIfEmpty(4).Max() * 7.0 + 10, 40, 180);
        const double barArea = 320, row = 20, top = 22;
        var width = labelWidth + barArea + 70;
        var height = top + n * row + 26;
        double X(double v) => labelWidth + (v - min) / (max - min) * barArea;

        return Write(w =>
        {
            Start(w, "chart bars", width, height, $"{title}: bar chart of {n} values from {Format.Number(finite.DefaultIfEmpty(double.NaN).Min())} to {Format.Number(finite.DefaultIfEmpty(double.NaN).Max())}.");
            w.WriteElementString("title", CircuitDiagramSvg.Clean(title));
            if (valueName is not null) Text(w, labelWidth + barArea / 2, 12, valueName, "axis-name", "middle");
            Line(w, X(0), top - 4, X(0), top + n * row, "axis");
            for (var i = 0; i < n; i++)
            {
                var v = values[i];
                var y = top + i * row;
                Text(w, labelWidth - 6, y + row / 2 + 4, Truncate(labels[i], 26), "tick", "end");
                var x0 = X(0);
                var x1 = double.IsFinite(v) ? X(v) : x0;
                w.WriteStartElement("rect");
                w.WriteAttributeString("class", v < 0 ? "bar bar-neg" : "bar");
                w.WriteAttributeString("x", F(Math.Min(x0, x1)));
                w.WriteAttributeString("y", F(y + 3));
                w.WriteAttributeString("width", F(Math.Max(1, Math.Abs(x1 - x0))));
                w.WriteAttributeString("height", F(row - 6));
                w.WriteAttributeString("data-value", Raw(v));
                w.WriteElementString("title", CircuitDiagramSvg.Clean($"{labels[i]}: {Format.Number(v)}"));
                w.WriteEndElement();
                // Values in their own column right of the plot, so a negative bar's number never meets its label.
                Text(w, labelWidth + barArea + 8, y + row / 2 + 4, Format.Number(v), "bar-value", "start");
            }
            Text(w, X(min), top + n * row + 16, Format.Number(min), "tick", "start");
            Text(w, X(max), top + n * row + 16, Format.Number(max), "tick", "end");
            w.WriteEndElement();
        });
    }

    /// <summary>A series over its index (positions, steps), with a dot per point carrying its value.</summary>
    public static string LineChart(IReadOnlyList<double> values, string title, string xName, string yName)
    {
        var n = values.Count;
        var finite = values.Where(double.IsFinite).ToList();
        var min = finite.DefaultIfEmpty(0).Min();
        var max = finite.DefaultIfEmpty(1).Max();
        if (max == min) { min -= 0.5; max += 0.5; }
        const double left = 58, top = 16, plotW = 520, plotH = 180;
        var width = left + plotW + 20;
        var height = top + plotH + 42;
        double X(int i) => left + (n <= 1 ? plotW / 2 : i * plotW / (n - 1));
        double Y(double v) => top + plotH - (v - min) / (max - min) * plotH;

        return Write(w =>
        {
            Start(w, "chart line", width, height, $"{title}: line chart of {n} values of {yName} by {xName}, from {Format.Number(min)} to {Format.Number(max)}.");
            w.WriteElementString("title", CircuitDiagramSvg.Clean(title));
            Line(w, left, top, left, top + plotH, "axis");
            Line(w, left, top + plotH, left + plotW, top + plotH, "axis");
            foreach (var t in new[] { min, (min + max) / 2, max })
            {
                Line(w, left, Y(t), left + plotW, Y(t), "grid");
                Text(w, left - 5, Y(t) + 4, Format.Number(t), "tick", "end");
            }
            var xStep = Math.Max(1, (int)Math.Ceiling(n / 12.0));
            for (var i = 0; i < n; i += xStep) Text(w, X(i), top + plotH + 14, i.ToString(CultureInfo.InvariantCulture), "tick", "middle");
            Text(w, left + plotW / 2, top + plotH + 34, xName + " →", "axis-name", "middle");
            w.WriteStartElement("text");
            w.WriteAttributeString("class", "axis-name");
            w.WriteAttributeString("transform", $"translate(12,{F(top + plotH / 2)}) rotate(-90)");
            w.WriteAttributeString("text-anchor", "middle");
            w.WriteString(CircuitDiagramSvg.Clean(yName));
            w.WriteEndElement();

            var path = new StringBuilder();
            var pen = false;
            for (var i = 0; i < n; i++)
            {
                if (!double.IsFinite(values[i])) { pen = false; continue; }
                path.Append(pen ? " L" : " M").Append(F(X(i))).Append(',').Append(F(Y(values[i])));
                pen = true;
            }
            w.WriteStartElement("path");
            w.WriteAttributeString("class", "series");
            w.WriteAttributeString("d", path.ToString().Trim());
            w.WriteEndElement();
            if (n <= 400)
            {
                for (var i = 0; i < n; i++)
                {
                    if (!double.IsFinite(values[i])) continue;
                    w.WriteStartElement("circle");
                    w.WriteAttributeString("class", "point");
                    w.WriteAttributeString("cx", F(X(i)));
                    w.WriteAttributeString("cy", F(Y(values[i])));
                    w.WriteAttributeString("r", n > 100 ? "2" : "3");
                    w.WriteElementString("title", CircuitDiagramSvg.Clean($"{xName} {i}: {Format.Number(values[i])}"));
                    w.WriteEndElement();
                }
            }
            w.WriteEndElement();
        });
    }

    /// <summary>Vertical bars over bins: <paramref name="edges"/> has one more entry than <paramref name="counts"/>.</summary>
    public static string Histogram(IReadOnlyList<double> edges, IReadOnlyList<double> counts, string title, string xName, Func<double, string>? edgeLabel = null)
    {
        var n = Math.Min(counts.Count, Math.Max(0, edges.Count - 1));
        var max = counts.Take(n).DefaultIfEmpty(0).Max();
        if (max <= 0) max = 1;
        const double left = 48, top = 12, plotW = 480, plotH = 140;
        var width = left + plotW + 16;
        var height = top + plotH + 40;
        var bw = n == 0 ? 0 : plotW / n;
        edgeLabel ??= e => Format.Number(e);

        return Write(w =>
        {
            Start(w, "chart histogram", width, height, $"{title}: histogram of {n} bins over {xName}.");
            w.WriteElementString("title", CircuitDiagramSvg.Clean(title));
            Line(w, left, top + plotH, left + plotW, top + plotH, "axis");
            Text(w, left - 5, top + 8, Format.Count((long)max), "tick", "end");
            Text(w, left - 5, top + plotH, "0", "tick", "end");
            for (var i = 0; i < n; i++)
            {
                var h = counts[i] / max * plotH;
                w.WriteStartElement("rect");
                w.WriteAttributeString("class", "bar");
                w.WriteAttributeString("x", F(left + i * bw + 0.5));
                w.WriteAttributeString("y", F(top + plotH - h));
                w.WriteAttributeString("width", F(Math.Max(0.5, bw - 1)));
                w.WriteAttributeString("height", F(Math.Max(counts[i] > 0 ? 1 : 0, h)));
                w.WriteAttributeString("data-value", Raw(counts[i]));
                w.WriteElementString("title", CircuitDiagramSvg.Clean($"{xName} in [{edgeLabel(edges[i])}, {edgeLabel(edges[i + 1])}): {Format.Integer((long)counts[i])}"));
                w.WriteEndElement();
            }
            var step = Math.Max(1, (int)Math.Ceiling(n / 8.0));
            for (var i = 0; i <= n; i += step) Text(w, left + i * bw, top + plotH + 14, edgeLabel(edges[i]), "tick", "middle");
            Text(w, left + plotW / 2, top + plotH + 32, xName, "axis-name", "middle");
            w.WriteEndElement();
        });
    }

    /// <summary>Maps values to colours: white → blue for one-signed data, red ← white → blue around zero for signed data.</summary>
    public sealed record ColourScale(double Min, double Max, bool Diverging)
    {
        private static readonly (byte R, byte G, byte B)[] Blues = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)];
        private static readonly (byte R, byte G, byte B)[] Reds = [(255, 255, 255), (253, 212, 196), (244, 138, 114), (203, 24, 29), (103, 0, 13)];

        public static ColourScale For(IReadOnlyCollection<double> finite)
        {
            if (finite.Count == 0) return new ColourScale(0, 1, false);
            var min = finite.Min();
            var max = finite.Max();
            if (min < 0 && max > 0)
            {
                var m = Math.Max(-min, max);
                return new ColourScale(-m, m, true);
            }
            if (max <= 0) return new ColourScale(min, 0, false);
            var lo = Math.Min(0, min);
            return new ColourScale(lo, max == lo ? lo + 1 : max, false);
        }

        private double T(double v) => Math.Clamp(v / Max, -1, 1);

        public string Colour(double v)
        {
            if (!double.IsFinite(v)) return "#bdbdbd";
            if (Diverging)
            {
                var t = T(v);
                return t >= 0 ? Ramp(Blues, t) : Ramp(Reds, -t);
            }
            // All ≤ 0: the most negative is darkest.
            return Max <= 0 ? Ramp(Reds, 1 - Math.Clamp((v - Min) / (Max - Min), 0, 1)) : Ramp(Blues, Math.Clamp((v - Min) / (Max - Min), 0, 1));
        }

        public bool IsDark(double v) => double.IsFinite(v) && (Diverging ? Math.Abs(v / Max) > 0.6 : Max <= 0 ? (v - Min) / (Max - Min) < 0.4 : (v - Min) / (Max - Min) > 0.6);

        public string Describe() => Diverging
            ? $"diverging colour scale from {Format.Number(Min)} (red) through 0 (white) to {Format.Number(Max)} (blue)"
            : $"colour scale from {Format.Number(Min)} to {Format.Number(Max)}";

        private static string Ramp((byte R, byte G, byte B)[] stops, double t)
        {
            var x = t * (stops.Length - 1);
            var i = Math.Min(stops.Length - 2, (int)Math.Floor(x));
            var f = x - i;
            var (a, b) = (stops[i], stops[i + 1]);
            return $"#{Mix(a.R, b.R, f):x2}{Mix(a.G, b.G, f):x2}{Mix(a.B, b.B, f):x2}";
        }

        private static int Mix(byte a, byte b, double f) => (int)Math.Round(a + (b - a) * f);
    }

    private static void Legend(XmlWriter w, ColourScale scale, double x, double y, double width, double height)
    {
        const int steps = 24;
        w.WriteStartElement("g");
        w.WriteAttributeString("class", "legend");
        w.WriteAttributeString("aria-hidden", "true");
        for (var i = 0; i < steps; i++)
        {
            var v = scale.Max - (scale.Max - scale.Min) * (i + 0.5) / steps;
            w.WriteStartElement("rect");
            w.WriteAttributeString("x", F(x));
            w.WriteAttributeString("y", F(y + i * height / steps));
            w.WriteAttributeString("width", F(width));
            w.WriteAttributeString("height", F(height / steps + 0.5));
            w.WriteAttributeString("fill", scale.Colour(v));
            w.WriteEndElement();
        }
        w.WriteStartElement("rect");
        w.WriteAttributeString("x", F(x));
        w.WriteAttributeString("y", F(y));
        w.WriteAttributeString("width", F(width));
        w.WriteAttributeString("height", F(height));
        w.WriteAttributeString("fill", "none");
        w.WriteAttributeString("class", "legend-frame");
        w.WriteEndElement();
        Text(w, x + width + 4, y + 9, Format.Number(scale.Max), "tick", "start");
        if (scale.Diverging) Text(w, x + width + 4, y + height / 2 + 4, "0", "tick", "start");
        Text(w, x + width + 4, y + height, Format.Number(scale.Min), "tick", "start");
        w.WriteEndElement();
    }

    private static int TickStep(int count, double cell) => Math.Max(1, (int)Math.Ceiling(14 / cell)) is var s && count > 0 ? (s <= 1 ? 1 : s <= 2 ? 2 : s <= 5 ? 5 : 10 * (int)Math.Ceiling(s / 10.0)) : 1;

    private static string Write(Action<XmlWriter> body)
    {
        var sb = new StringBuilder();
        using (var w = XmlWriter.Create(sb, new XmlWriterSettings { OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment }))
        {
            body(w);
        }
        return sb.ToString();
    }

    private static void Start(XmlWriter w, string cssClass, double width, double height, string label)
    {
        w.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        w.WriteAttributeString("class", cssClass.Trim());
        w.WriteAttributeString("viewBox", $"0 0 {F(width)} {F(height)}");
        w.WriteAttributeString("width", F(width));
        w.WriteAttributeString("height", F(height));
        w.WriteAttributeString("role", "img");
        w.WriteAttributeString("aria-label", CircuitDiagramSvg.Clean(label));
        w.WriteAttributeString("font-size", Font);
    }

    private static void Text(XmlWriter w, double x, double y, string text, string cssClass, string anchor)
    {
        w.WriteStartElement("text");
        w.WriteAttributeString("class", cssClass);
        w.WriteAttributeString("x", F(x));
        w.WriteAttributeString("y", F(y));
        w.WriteAttributeString("text-anchor", anchor);
        w.WriteString(CircuitDiagramSvg.Clean(text));
        w.WriteEndElement();
    }

    private static void Line(XmlWriter w, double x1, double y1, double x2, double y2, string cssClass)
    {
        w.WriteStartElement("line");
        w.WriteAttributeString("class", cssClass);
        w.WriteAttributeString("x1", F(x1));
        w.WriteAttributeString("y1", F(y1));
        w.WriteAttributeString("x2", F(x2));
        w.WriteAttributeString("y2", F(y2));
        w.WriteEndElement();
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    /// <summary>Two significant decimals for in-cell labels.</summary>
    private static string Short(double v) =>
        !double.IsFinite(v) ? "·" : Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture).Replace("-", "−");

    private static string Raw(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string F(double v) => Math.Round(v, 2).ToString(CultureInfo.InvariantCulture);
}
