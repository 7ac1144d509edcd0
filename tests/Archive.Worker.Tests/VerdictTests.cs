using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Worker.Evidence;

namespace Archive.Worker.Tests;

public sealed class VerdictTests
{
    [Theory]
    [InlineData(ClaimComparison.AtLeast, 0.6, null, 0.02, 0.59, EvidenceVerdict.Supported)]
    [InlineData(ClaimComparison.AtLeast, 0.6, null, 0.02, 0.579, EvidenceVerdict.Refuted)]
    [InlineData(ClaimComparison.AtMost, 5, null, 0, 5, EvidenceVerdict.Supported)]
    [InlineData(ClaimComparison.AtMost, 5, null, 0, 6, EvidenceVerdict.Refuted)]
    [InlineData(ClaimComparison.Between, 1, 2.0, 0.1, 2.05, EvidenceVerdict.Supported)]
    [InlineData(ClaimComparison.Between, 1, 2.0, 0.1, 0.85, EvidenceVerdict.Refuted)]
    [InlineData(ClaimComparison.ApproximatelyEqual, 3, null, 0.5, 3.4, EvidenceVerdict.Supported)]
    [InlineData(ClaimComparison.ApproximatelyEqual, 3, null, 0.5, 2.4, EvidenceVerdict.Refuted)]
    public void The_tolerance_widens_the_accepted_range(ClaimComparison comparison, double expected, double? upper, double tolerance, double value, EvidenceVerdict verdict) =>
        Assert.Equal(verdict, new ClaimExpectation(comparison, expected, upper, tolerance).Judge(value));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_number_that_is_not_finite_is_an_error_not_a_verdict(double value) =>
        Assert.Equal(EvidenceVerdict.Error, new ClaimExpectation(ClaimComparison.AtLeast, 0, null, 0).Judge(value));
}
