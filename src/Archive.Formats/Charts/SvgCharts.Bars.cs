namespace Archive.Formats.Charts;

/// <summary>A marked value on a chart's value axis, such as the threshold a claim compares against.</summary>
public sealed record ReferenceLine(double Value, string Label);

public static partial class SvgCharts
{
    /// <summary>
    /// Horizontal bars, one per label, from a zero axis (negative values go left, in red), each value written in a
    /// column right of the plot. A <paramref name="reference"/> value is drawn as a dashed line across the bars.
    /// Labels beyond the values (or values beyond the labels) are left out.
    /// </summary>
    public static string Bars(IReadOnlyList<string> labels, IReadOnlyList<double> values, string title, string? valueName = null, ReferenceLine? reference = null, ChartMedium medium = ChartMedium.Page)
    {
        if (reference is not null && !double.IsFinite(reference.Value))
            throw new ArgumentOutOfRangeException(nameof(reference), $"A reference line needs a finite value, not {reference.Value}.");
        var n = Math.Min(labels.Count, values.Count);
        var finite = values.Take(n).Where(double.IsFinite).ToList();
        var bounds = finite.Append(0).Append(reference?.Value ?? 0).ToList();
        var axis = LinearAxis.Nice(bounds.Min(), bounds.Max(), 4);
        var labelWidth = Math.Clamp(labels.Take(n).Select(l => l.Length).DefaultIfEmpty(4).Max() * 7.0 + 10, 40, 180);
        const double barArea = 320, row = 20;
        // A reference line's label needs its own line above the bars.
        var top = reference is null ? 22.0 : 36.0;
        var bottom = top + n * row;
        double X(double v) => labelWidth + axis.Fraction(v) * barArea;
        var range = finite.Count == 0 ? "no finite values" : $"values from {ChartNumbers.Format(finite.Min())} to {ChartNumbers.Format(finite.Max())}";
        var frame = new ChartFrame("bars", labelWidth + barArea + 70, bottom + 26, title, $"bar chart of {n} {range}.");

        return SvgCanvas.Draw(frame, medium, canvas =>
        {
            if (valueName is not null) canvas.Text(labelWidth + barArea / 2, 12, valueName, "axis-name", "middle");
            foreach (var tick in axis.Ticks())
            {
                canvas.Line(X(tick), top - 4, X(tick), bottom, "grid");
                canvas.Text(X(tick), bottom + 16, ChartNumbers.Format(tick), "tick", "middle");
            }
            canvas.Line(X(0), top - 4, X(0), bottom, "axis");
            for (var i = 0; i < n; i++)
            {
                var v = values[i];
                var y = top + i * row;
                canvas.Text(labelWidth - 6, y + row / 2 + 4, Truncate(labels[i], 26), "tick", "end");
                if (double.IsFinite(v))
                {
                    var (x0, x1) = (X(0), X(v));
                    canvas.Rect(Math.Min(x0, x1), y + 3, Math.Max(1, Math.Abs(x1 - x0)), row - 6, v < 0 ? "bar bar-neg" : "bar",
                        tooltip: $"{labels[i]}: {ChartNumbers.Format(v)}", value: v);
                }
                // Values in their own column right of the plot, so a negative bar's number never meets its label.
                canvas.Text(labelWidth + barArea + 8, y + row / 2 + 4, ChartNumbers.Format(v), "bar-value");
            }
            if (reference is not null)
            {
                canvas.Line(X(reference.Value), top - 4, X(reference.Value), bottom, "reference");
                canvas.Text(X(reference.Value), top - 8, reference.Label, "tick", "middle");
            }
        });
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max - 1), "…");
}
