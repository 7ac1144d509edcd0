using System.Globalization;
using Archive.Data.Claims;

namespace Archive.Web.Components.Shared;

/// <summary>How numbers, sizes, dates and expectations read on the pages (invariant culture, UTC dates).</summary>
public static class Format
{
    public static string Date(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";

    public static string DateTime(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    /// <summary>ISO 8601, for <c>&lt;time datetime&gt;</c>.</summary>
    public static string Iso(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "";

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : $"{value.ToString(value < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    /// <summary>Parameter counts the way papers write them: 1.2M, 85K, 124M.</summary>
    public static string Count(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString("N0", CultureInfo.InvariantCulture),
    };

    public static string Integer(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(double? value) =>
        value is not { } v ? "—"
        : double.IsNaN(v) ? "NaN"
        : Math.Abs(v) is >= 1e-3 and < 1e5 or 0 ? v.ToString("0.####", CultureInfo.InvariantCulture)
        : v.ToString("0.###e+0", CultureInfo.InvariantCulture);

    /// <summary>The claim's expectation in one line: <c>≥ 0.6 (tolerance 0.05)</c>.</summary>
    public static string Expectation(ClaimComparison comparison, double expected, double? upper, double tolerance)
    {
        var core = comparison switch
        {
            ClaimComparison.AtLeast => $"≥ {Number(expected)}",
            ClaimComparison.AtMost => $"≤ {Number(expected)}",
            ClaimComparison.Between => $"in [{Number(expected)}, {Number(upper ?? expected)}]",
            ClaimComparison.ApproximatelyEqual => $"≈ {Number(expected)}",
            _ => Number(expected),
        };
        return tolerance > 0 ? $"{core} ± {Number(tolerance)}" : core;
    }

    public static string ComparisonName(ClaimComparison comparison) => comparison switch
    {
        ClaimComparison.AtLeast => "at least",
        ClaimComparison.AtMost => "at most",
        ClaimComparison.Between => "between",
        ClaimComparison.ApproximatelyEqual => "approximately equal",
        _ => comparison.ToString(),
    };

    /// <summary>Method ids as the engine names them (<c>induction_score</c>) read as words.</summary>
    public static string Method(string method) => method.Replace('_', ' ');

    public static string ShortSha(string sha) => sha.Length > 12 ? sha[..12] : sha;

    /// <summary>1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st.</summary>
    public static string Ordinal(long n) => Integer(n) + ((n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch
    {
        1 => "st",
        2 => "nd",
        3 => "rd",
        _ => "th",
    });

    public static string Plural(long n, string singular, string? plural = null) =>
        $"{Integer(n)} {(n == 1 ? singular : plural ?? singular + "s")}";
}
