using Archive.Data.Claims;
using Archive.Data.Evidence;

namespace Archive.Worker.Evidence;

/// <summary>Compares a computed headline number with a claim's expectation. The tolerance widens the accepted range.</summary>
public static class Verdicts
{
    public static EvidenceVerdict Judge(ClaimComparison comparison, double expected, double? expectedUpper, double tolerance, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return EvidenceVerdict.Error;
        var holds = comparison switch
        {
            ClaimComparison.AtLeast => value >= expected - tolerance,
            ClaimComparison.AtMost => value <= expected + tolerance,
            ClaimComparison.Between => value >= expected - tolerance && value <= (expectedUpper ?? expected) + tolerance,
            ClaimComparison.ApproximatelyEqual => Math.Abs(value - expected) <= tolerance,
            _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, null),
        };
        return holds ? EvidenceVerdict.Supported : EvidenceVerdict.Refuted;
    }
}
