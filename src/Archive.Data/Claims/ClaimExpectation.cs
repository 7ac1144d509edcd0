using Archive.Data.Evidence;

namespace Archive.Data.Claims;

/// <summary>
/// The rule every verdict follows, written once (the worker judges with it, the pages explain with it): the claim's
/// comparison widened by its tolerance gives an accepted range; a finite headline inside it supports the claim, one
/// outside refutes it, a non-finite one is an error.
/// </summary>
public readonly record struct ClaimExpectation(ClaimComparison Comparison, double Expected, double? ExpectedUpper, double Tolerance)
{
    /// <summary>The lowest accepted value; null when the range is open below.</summary>
    public double? Lower => Comparison switch
    {
        ClaimComparison.AtMost => null,
        ClaimComparison.AtLeast or ClaimComparison.Between or ClaimComparison.ApproximatelyEqual => Expected - Tolerance,
        _ => throw new ArgumentOutOfRangeException(nameof(Comparison), Comparison, null),
    };

    /// <summary>The highest accepted value; null when the range is open above.</summary>
    public double? Upper => Comparison switch
    {
        ClaimComparison.AtLeast => null,
        ClaimComparison.AtMost or ClaimComparison.ApproximatelyEqual => Expected + Tolerance,
        ClaimComparison.Between => (ExpectedUpper ?? Expected) + Tolerance,
        _ => throw new ArgumentOutOfRangeException(nameof(Comparison), Comparison, null),
    };

    /// <summary>How far inside (positive or zero) or outside (negative) the accepted range a value lies.</summary>
    public double Margin(double value) =>
        Math.Min(Lower is { } lower ? value - lower : double.PositiveInfinity, Upper is { } upper ? upper - value : double.PositiveInfinity);

    public EvidenceVerdict Judge(double value) =>
        !double.IsFinite(value) ? EvidenceVerdict.Error : Margin(value) >= 0 ? EvidenceVerdict.Supported : EvidenceVerdict.Refuted;
}
