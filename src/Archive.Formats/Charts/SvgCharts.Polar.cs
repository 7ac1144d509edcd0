using System.Globalization;

namespace Archive.Formats.Charts;

public static partial class SvgCharts
{
    /// <summary>
    /// A radial tuning curve: responses by orientation (degrees, 0° to the right, counter-clockwise) drawn as a closed
    /// curve around the centre, with rings at the response axis's ticks, and optionally a control series (e.g. the
    /// unit's responses to straight lines) dashed beside it. Negative responses are drawn at the centre; a non-finite
    /// one breaks the curve.
    /// </summary>
    public static string PolarTuningCurve(IReadOnlyList<double> orientations, IReadOnlyList<double> responses, string title, string seriesName,
        IReadOnlyList<double>? controlOrientations = null, IReadOnlyList<double>? controlResponses = null, string controlName = "control",
        ChartMedium medium = ChartMedium.Page)
    {
        if (orientations.Count != responses.Count) throw new ArgumentException("One response per orientation.", nameof(responses));
        if ((controlOrientations?.Count ?? 0) != (controlResponses?.Count ?? 0)) throw new ArgumentException("One control response per orientation.", nameof(controlResponses));
        var finite = responses.Concat(controlResponses ?? []).Where(double.IsFinite).ToList();
        var axis = LinearAxis.Nice(0, finite.Count == 0 ? 1 : Math.Max(finite.Max(), 1e-9), maxTicks: 4);
        const double radius = 120, margin = 34, legendHeight = 34;
        double cx = margin + radius, cy = margin + radius;
        (double X, double Y) At(double degrees, double value)
        {
            var r = Math.Clamp(axis.Fraction(Math.Max(0, value)), 0, 1) * radius;
            var a = degrees * Math.PI / 180;
            return (cx + r * Math.Cos(a), cy - r * Math.Sin(a));
        }
        var peak = responses.Select((v, i) => (v, i)).Where(p => double.IsFinite(p.v)).DefaultIfEmpty((double.NaN, -1)).MaxBy(p => p.Item1);
        var description = peak.Item2 < 0
            ? $"polar chart of {seriesName} by orientation; no finite values."
            : $"polar chart of {responses.Count} {seriesName} by orientation, peak {ChartNumbers.Format(peak.Item1)} at {ChartNumbers.Format(orientations[peak.Item2])}°" +
              (controlResponses is { Count: > 0 } ? $"; {controlName} peak {ChartNumbers.Format(controlResponses.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max())}." : ".");
        var frame = new ChartFrame("polar", 2 * (margin + radius) + 150, 2 * (margin + radius) + legendHeight, title, description);

        return SvgCanvas.Draw(frame, medium, canvas =>
        {
            canvas.Group("rings", () =>
            {
                foreach (var tick in axis.Ticks().Where(t => t > 0))
                {
                    var ring = Enumerable.Range(0, 73).Select(k => At(k * 5, tick)).ToList();
                    canvas.Polyline([ring], "grid", fill: "none");
                    // Ring values along the 67.5° spoke-free direction, clear of the 90° label.
                    var (tx, ty) = At(67.5, tick);
                    canvas.Text(tx + 3, ty - 2, ChartNumbers.Format(tick), "tick");
                }
                for (var degrees = 0; degrees < 360; degrees += 45)
                {
                    var (x, y) = At(degrees, axis.Max);
                    canvas.Line(cx, cy, x, y, "grid");
                    var (lx, ly) = (cx + (radius + 16) * Math.Cos(degrees * Math.PI / 180), cy - (radius + 16) * Math.Sin(degrees * Math.PI / 180));
                    canvas.Text(lx, ly + 4, degrees.ToString(CultureInfo.InvariantCulture) + "°", "tick", "middle");
                }
            }, decorative: true);
            if (controlOrientations is not null && controlResponses is not null) Closed(canvas, controlOrientations, controlResponses, "series-control", "point-control", controlName);
            Closed(canvas, orientations, responses, "series", "point", seriesName);

            var legendY = 2 * (margin + radius) + 14;
            canvas.Line(margin, legendY, margin + 24, legendY, "series");
            canvas.Text(margin + 30, legendY + 4, seriesName, "tick");
            if (controlResponses is not null)
            {
                canvas.Line(margin + 200, legendY, margin + 224, legendY, "series-control");
                canvas.Text(margin + 230, legendY + 4, controlName, "tick");
            }
        });

        // The series as a loop: the last orientation joins the first again.
        void Closed(SvgCanvas canvas, IReadOnlyList<double> angles, IReadOnlyList<double> values, string lineClass, string pointClass, string name)
        {
            if (values.Count == 0) return;
            var order = Enumerable.Range(0, values.Count).Append(0).ToList();
            var runs = new List<List<(double, double)>>();
            var run = new List<(double, double)>();
            foreach (var i in order)
            {
                if (double.IsFinite(values[i])) run.Add(At(angles[i], values[i]));
                else if (run.Count > 0) { runs.Add(run); run = []; }
            }
            if (run.Count > 0) runs.Add(run);
            canvas.Polyline(runs.Select(r => (IReadOnlyList<(double, double)>)r), lineClass, fill: "none");
            for (var i = 0; i < values.Count; i++)
            {
                if (!double.IsFinite(values[i])) continue;
                var (x, y) = At(angles[i], values[i]);
                canvas.Circle(x, y, 2.5, pointClass, $"{name} at {ChartNumbers.Format(angles[i])}°: {ChartNumbers.Format(values[i])}", values[i]);
            }
        }
    }
}
