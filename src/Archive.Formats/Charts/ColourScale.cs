namespace Archive.Formats.Charts;

/// <summary>
/// Maps values to colours for heatmaps. Sequential scales run white → dark blue (or, for data that are all ≤ 0,
/// dark red → white, the most negative darkest); diverging scales run red ← white → blue around 0, symmetric so that
/// equal magnitudes get equal strength. Non-finite values are grey: a visible gap, never a colour of the scale.
/// </summary>
public sealed class ColourScale
{
    /// <summary>The colour of NaN and infinite values.</summary>
    public const string Missing = "#bdbdbd";

    private static readonly (byte R, byte G, byte B)[] Blues = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)];
    private static readonly (byte R, byte G, byte B)[] Reds = [(255, 255, 255), (253, 212, 196), (244, 138, 114), (203, 24, 29), (103, 0, 13)];

    private ColourScale(double min, double max, bool isDiverging) => (Min, Max, IsDiverging) = (min, max, isDiverging);

    public double Min { get; }
    public double Max { get; }
    public bool IsDiverging { get; }

    /// <summary>A fixed one-signed scale, e.g. [0, 1] for attention scores, so figures of the same measure compare.</summary>
    public static ColourScale Sequential(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || !(min < max))
            throw new ArgumentOutOfRangeException(nameof(max), $"A colour scale needs finite bounds with min < max, not [{min}, {max}].");
        return new ColourScale(min, max, false);
    }

    /// <summary>A fixed scale from −<paramref name="magnitude"/> (red) through 0 (white) to +<paramref name="magnitude"/> (blue).</summary>
    public static ColourScale Diverging(double magnitude)
    {
        if (!double.IsFinite(magnitude) || !(magnitude > 0))
            throw new ArgumentOutOfRangeException(nameof(magnitude), $"A diverging scale needs a finite magnitude > 0, not {magnitude}.");
        return new ColourScale(-magnitude, magnitude, true);
    }

    /// <summary>
    /// The scale that fits the finite <paramref name="values"/>: diverging when they take both signs, else sequential from
    /// 0 (or the minimum, if below 0) to the maximum. No finite values, or only zeros, give [0, 1].
    /// </summary>
    public static ColourScale Fit(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return Sequential(0, 1);
        var (min, max) = (finite.Min(), finite.Max());
        if (min < 0 && max > 0) return Diverging(Math.Max(-min, max));
        if (max > 0) return Sequential(Math.Min(0, min), max);
        return min < 0 ? Sequential(min, 0) : Sequential(0, 1);
    }

    /// <summary>A <c>#rrggbb</c> colour; values outside the scale take the colour of the nearer end.</summary>
    public string Colour(double value)
    {
        if (!double.IsFinite(value)) return Missing;
        if (IsDiverging)
        {
            var t = Math.Clamp(value / Max, -1, 1);
            return t >= 0 ? Ramp(Blues, t) : Ramp(Reds, -t);
        }
        var position = Position(value);
        return Max <= 0 ? Ramp(Reds, 1 - position) : Ramp(Blues, position);
    }

    /// <summary>Whether text on this value's colour should be white.</summary>
    public bool IsDark(double value) =>
        double.IsFinite(value) && (IsDiverging ? Math.Abs(value / Max) > 0.6 : Max <= 0 ? Position(value) < 0.4 : Position(value) > 0.6);

    public string Describe() => IsDiverging
        ? $"diverging colour scale from {ChartNumbers.Format(Min)} (red) through 0 (white) to {ChartNumbers.Format(Max)} (blue)"
        : $"colour scale from {ChartNumbers.Format(Min)} to {ChartNumbers.Format(Max)}";

    /// <summary>Where the value lies from Min (0) to Max (1), halved first so that a scale spanning ±1e308 does not overflow.</summary>
    private double Position(double value) => Math.Clamp((value / 2 - Min / 2) / (Max / 2 - Min / 2), 0, 1);

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
