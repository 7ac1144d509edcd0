using System.Globalization;

namespace Archive.Formats.Charts;

/// <summary>
/// A value axis whose ends and ticks are round numbers (1, 2 or 5 × a power of ten), so labels read 0, 0.2, 0.4 rather
/// than 0.013, 0.371, 0.729.
/// </summary>
internal sealed record LinearAxis(double Min, double Max, double Step)
{
    /// <summary>
    /// The round-numbered axis covering [<paramref name="min"/>, <paramref name="max"/>] with at most about
    /// <paramref name="maxTicks"/> intervals. A single value is widened around itself. <paramref name="minimumStep"/> keeps
    /// count axes from ticking at 0.5.
    /// </summary>
    public static LinearAxis Nice(double min, double max, int maxTicks = 5, double minimumStep = 0)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
            throw new ArgumentOutOfRangeException(nameof(max), $"An axis needs finite bounds with min ≤ max, not [{min}, {max}].");
        if (min == max)
        {
            var pad = min == 0 ? 0.5 : Math.Abs(min) / 10;
            (min, max) = (min - pad, max + pad);
        }
        // Divided before subtracting so that a range like ±1e308 stays finite.
        var raw = Math.Max(max / maxTicks - min / maxTicks, minimumStep);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = (raw / magnitude) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * magnitude;
        var low = Math.Floor(min / step) * step;
        var high = Math.Ceiling(max / step) * step;
        // Rounding out can overflow at the edge of double's range; the data's own bounds then serve.
        return new LinearAxis(double.IsFinite(low) ? low : min, double.IsFinite(high) ? high : max, step);
    }

    /// <summary>Every multiple of the step from Min to Max.</summary>
    public IReadOnlyList<double> Ticks()
    {
        var first = Math.Ceiling(Min / Step - 1e-9);
        var last = Math.Floor(Max / Step + 1e-9);
        var ticks = new List<double>();
        // Counted, not stepped: near 1e16 × Step, first + 1 == first and a stepping loop would never end.
        var count = (int)Math.Clamp(last - first, 0, 100);
        for (var i = 0; i <= count; i++)
        {
            var tick = (first + i) * Step;
            // k × 0.1 is 0.30000000000000004 for k = 3: fifteen significant digits drop the noise. 0 is 0, never −0.
            ticks.Add(tick == 0 ? 0 : double.Parse(tick.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        }
        return ticks;
    }

    /// <summary>Where <paramref name="value"/> lies from Min (0) to Max (1), halved first for the same overflow reason.</summary>
    public double Fraction(double value) => (value / 2 - Min / 2) / (Max / 2 - Min / 2);

    /// <summary>
    /// Label every k-th of <paramref name="count"/> positions (k = 1, 2, 5, 10, 20, 50…) so that at most
    /// <paramref name="maxLabels"/> show.
    /// </summary>
    public static int IndexStep(int count, int maxLabels)
    {
        maxLabels = Math.Max(1, maxLabels);
        for (long decade = 1; ; decade *= 10)
        {
            foreach (var multiple in (long[])[1, 2, 5])
            {
                var step = multiple * decade;
                if ((count + step - 1) / step <= maxLabels) return (int)Math.Min(step, int.MaxValue);
            }
        }
    }
}
