namespace Archive.Formats.Charts;

public static partial class SvgCharts
{
    /// <summary>
    /// Vertical bars over bins: bin i holds <paramref name="counts"/>[i] values in [<paramref name="edges"/>[i],
    /// <paramref name="edges"/>[i + 1]). Empty bins at either end are left out but for one, which shows where the data
    /// stop. A count that is NaN, infinite or not above 0 draws no bar.
    /// </summary>
    public static string Histogram(IReadOnlyList<double> edges, IReadOnlyList<double> counts, string title, string xName, ChartMedium medium = ChartMedium.Page)
    {
        var bins = Math.Min(counts.Count, Math.Max(0, edges.Count - 1));
        bool Drawn(int i) => double.IsFinite(counts[i]) && counts[i] > 0;
        var firstFilled = Enumerable.Range(0, bins).FirstOrDefault(Drawn, -1);
        var first = firstFilled < 0 ? 0 : Math.Max(0, firstFilled - 1);
        var last = firstFilled < 0 ? bins - 1 : Math.Min(bins - 1, Enumerable.Range(0, bins).Last(Drawn) + 1);
        var shown = last - first + 1;
        var axis = LinearAxis.Nice(0, Enumerable.Range(first, shown).Where(Drawn).Select(i => counts[i]).DefaultIfEmpty(1).Max(), 4, minimumStep: 1);
        const double left = 48, top = 12, plotWidth = 480, plotHeight = 140;
        var barWidth = shown == 0 ? 0 : plotWidth / shown;
        double X(int edge) => left + (edge - first) * barWidth;
        double Y(double count) => top + plotHeight - axis.Fraction(count) * plotHeight;
        var description = shown == bins ? $"histogram of {bins} bins over {xName}." : $"histogram of {shown} of {bins} bins over {xName}; the others are empty.";
        var frame = new ChartFrame("histogram", left + plotWidth + 16, top + plotHeight + 40, title, description);

        return SvgCanvas.Draw(frame, medium, canvas =>
        {
            foreach (var tick in axis.Ticks())
            {
                if (tick > 0) canvas.Line(left, Y(tick), left + plotWidth, Y(tick), "grid");
                canvas.Text(left - 5, Y(tick) + 4, ChartNumbers.Count(tick), "tick", "end");
            }
            canvas.Line(left, top + plotHeight, left + plotWidth, top + plotHeight, "axis");
            for (var i = first; i <= last; i++)
            {
                if (!Drawn(i)) continue;
                // At least a pixel tall, so a bin of one among millions still shows.
                var height = Math.Max(1, axis.Fraction(counts[i]) * plotHeight);
                canvas.Rect(X(i) + 0.5, top + plotHeight - height, Math.Max(0.5, barWidth - 1), height, "bar",
                    tooltip: $"{xName} in [{ChartNumbers.Format(edges[i])}, {ChartNumbers.Format(edges[i + 1])}): {ChartNumbers.Integer(counts[i])}", value: counts[i]);
            }
            var step = LinearAxis.IndexStep(shown + 1, 9);
            for (var edge = first; shown > 0 && edge <= last + 1; edge += step) canvas.Text(X(edge), top + plotHeight + 14, ChartNumbers.Format(edges[edge]), "tick", "middle");
            canvas.Text(left + plotWidth / 2, top + plotHeight + 32, xName, "axis-name", "middle");
        });
    }
}
