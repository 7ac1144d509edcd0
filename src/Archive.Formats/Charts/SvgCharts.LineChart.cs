using System.Globalization;

namespace Archive.Formats.Charts;

public static partial class SvgCharts
{
    /// <summary>
    /// A series over its index (positions, steps), with a dot per point carrying its value when there are few enough
    /// to tell apart. <paramref name="xLabels"/>, when given, name the positions (e.g. the sparsities a sweep ran at)
    /// instead of their numbers. A non-finite value breaks the line.
    /// </summary>
    public static string LineChart(IReadOnlyList<double> values, string title, string xName, string yName, IReadOnlyList<string>? xLabels = null, ChartMedium medium = ChartMedium.Page)
    {
        var n = values.Count;
        var finite = values.Where(double.IsFinite).ToList();
        var axis = finite.Count == 0 ? LinearAxis.Nice(0, 1) : LinearAxis.Nice(finite.Min(), finite.Max());
        const double left = 58, top = 16, plotWidth = 520, plotHeight = 180;
        double X(int i) => left + (n <= 1 ? plotWidth / 2 : i * plotWidth / (n - 1));
        double Y(double v) => top + plotHeight - axis.Fraction(v) * plotHeight;
        string Label(int i) => xLabels is not null && i < xLabels.Count ? xLabels[i] : i.ToString(CultureInfo.InvariantCulture);
        var widestLabel = Enumerable.Range(0, n).Select(i => Label(i).Length).DefaultIfEmpty(1).Max();
        var xStep = LinearAxis.IndexStep(n, Math.Min(12, (int)(plotWidth / (widestLabel * 7 + 8))));
        var range = finite.Count == 0 ? "no finite values" : $"from {ChartNumbers.Format(finite.Min())} to {ChartNumbers.Format(finite.Max())}";
        var frame = new ChartFrame("line", left + plotWidth + 20, top + plotHeight + 42, title, $"line chart of {n} values of {yName} by {xName}, {range}.");

        return SvgCanvas.Draw(frame, medium, canvas =>
        {
            foreach (var tick in axis.Ticks())
            {
                canvas.Line(left, Y(tick), left + plotWidth, Y(tick), "grid");
                canvas.Text(left - 5, Y(tick) + 4, ChartNumbers.Format(tick), "tick", "end");
            }
            canvas.Line(left, top, left, top + plotHeight, "axis");
            canvas.Line(left, top + plotHeight, left + plotWidth, top + plotHeight, "axis");
            for (var i = 0; i < n; i += xStep) canvas.Text(X(i), top + plotHeight + 14, Label(i), "tick", "middle");
            canvas.Text(left + plotWidth / 2, top + plotHeight + 34, xName + " →", "axis-name", "middle");
            canvas.VerticalText(12, top + plotHeight / 2, yName, "axis-name");

            canvas.Polyline(FiniteRuns(values).Select(run => run.Select(i => (X(i), Y(values[i]))).ToList()), "series");
            if (n <= 400)
            {
                foreach (var i in Enumerable.Range(0, n).Where(i => double.IsFinite(values[i])))
                    canvas.Circle(X(i), Y(values[i]), n > 100 ? 2 : 3, "point", $"{xName} {Label(i)}: {ChartNumbers.Format(values[i])}", values[i]);
            }
        });
    }

    /// <summary>The indices of each unbroken run of finite values.</summary>
    private static IEnumerable<List<int>> FiniteRuns(IReadOnlyList<double> values)
    {
        var run = new List<int>();
        for (var i = 0; i < values.Count; i++)
        {
            if (double.IsFinite(values[i]))
            {
                run.Add(i);
            }
            else if (run.Count > 0)
            {
                yield return run;
                run = [];
            }
        }
        if (run.Count > 0) yield return run;
    }
}
