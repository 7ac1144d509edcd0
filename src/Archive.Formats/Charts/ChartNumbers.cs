using System.Globalization;

namespace Archive.Formats.Charts;

/// <summary>
/// How numbers read on charts: always in the invariant culture (a server in a comma-decimal locale must still write
/// <c>0.5</c>, in labels and in coordinates alike), in the same short forms as the site's pages.
/// </summary>
internal static class ChartNumbers
{
    /// <summary>Up to four decimals from 0.001 to 100,000, scientific outside; NaN and infinities spelled out.</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : Math.Abs(value) is >= 1e-3 and < 1e5 or 0 ? value.ToString("0.####", CultureInfo.InvariantCulture)
        : value.ToString("0.###e+0", CultureInfo.InvariantCulture);

    /// <summary>Counts the way axis labels want them: 950, 12.5K, 1.2M; beyond a trillion, scientific.</summary>
    public static string Count(double n) => n switch
    {
        >= 1e12 => Format(n),
        >= 1e9 => (n / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1e6 => (n / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => Integer(n),
    };

    /// <summary>A whole count with thousands separators (1,234,567), scientific once digits stop being exact.</summary>
    public static string Integer(double n) => Math.Abs(n) < 1e15 ? n.ToString("N0", CultureInfo.InvariantCulture) : Format(n);

    /// <summary>Two decimals (none from 100, scientific from 10,000) with a true minus sign, short enough to sit inside
    /// a heatmap cell.</summary>
    public static string Cell(double value) =>
        !double.IsFinite(value) ? "·"
        : value.ToString(Math.Abs(value) switch { >= 1e4 => "0e+0", >= 100 => "0", _ => "0.00" }, CultureInfo.InvariantCulture).Replace("-", "−", StringComparison.Ordinal);

    /// <summary>The value that round-trips, for <c>data-value</c>.</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A coordinate or length, to 0.01 px. Every one is computed from finite inputs, so a NaN here is a bug in a chart,
    /// and failing beats writing <c>x="NaN"</c>, which browsers drop silently.
    /// </summary>
    public static string Coordinate(double value) =>
        double.IsFinite(value)
            ? Math.Round(value, 2).ToString(CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"A chart computed a non-finite coordinate ({Exact(value)}).");
}
