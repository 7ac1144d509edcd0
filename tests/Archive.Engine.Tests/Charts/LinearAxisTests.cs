using Archive.Formats.Charts;
using Xunit;

namespace Archive.Engine.Tests.Charts;

public sealed class LinearAxisTests
{
    [Theory]
    [InlineData(0.013, 0.729, 0, 0.8, new[] { 0, 0.2, 0.4, 0.6, 0.8 })]
    [InlineData(3.53, 4.25, 3.4, 4.4, new[] { 3.4, 3.6, 3.8, 4.0, 4.2, 4.4 })]
    [InlineData(-0.05, 0.12, -0.05, 0.15, new[] { -0.05, 0, 0.05, 0.1, 0.15 })]
    [InlineData(0, 12, 0, 15, new[] { 0.0, 5, 10, 15 })]
    public void Ends_and_ticks_are_round_numbers_covering_the_data(double min, double max, double niceMin, double niceMax, double[] ticks)
    {
        var axis = LinearAxis.Nice(min, max, maxTicks: max == 12 ? 4 : 5);

        Assert.Equal(niceMin, axis.Min, 12);
        Assert.Equal(niceMax, axis.Max, 12);
        // Exact, not approximate: 0.6 must not come out as 0.6000000000000001 and read so on a label.
        Assert.Equal(ticks, axis.Ticks());
    }

    [Fact]
    public void A_single_value_is_widened_around_itself()
    {
        var axis = LinearAxis.Nice(5, 5);

        Assert.True(axis.Min < 5 && axis.Max > 5);
        Assert.Contains(5.0, axis.Ticks());
        Assert.True(LinearAxis.Nice(0, 0).Min < 0);
    }

    [Fact]
    public void A_count_axis_never_ticks_between_whole_numbers()
    {
        Assert.Equal([0.0, 1, 2, 3], LinearAxis.Nice(0, 3, 10, minimumStep: 1).Ticks());
    }

    [Fact]
    public void Zero_is_written_without_a_sign()
    {
        var zero = LinearAxis.Nice(-1, 1).Ticks().Single(t => t == 0);

        Assert.False(double.IsNegative(zero));
    }

    [Fact]
    public void The_whole_range_of_double_stays_finite()
    {
        var axis = LinearAxis.Nice(-double.MaxValue, double.MaxValue);

        Assert.True(double.IsFinite(axis.Min) && double.IsFinite(axis.Max));
        Assert.Equal(0, axis.Fraction(-double.MaxValue), 9);
        Assert.Equal(1, axis.Fraction(double.MaxValue), 9);
        Assert.All(axis.Ticks(), t => Assert.True(double.IsFinite(t)));
    }

    [Fact]
    public void Bounds_that_are_not_finite_or_reversed_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearAxis.Nice(double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearAxis.Nice(0, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearAxis.Nice(2, 1));
    }

    [Theory]
    [InlineData(0, 12, 1)]
    [InlineData(12, 12, 1)]
    [InlineData(13, 12, 2)]
    [InlineData(41, 8, 10)]
    [InlineData(127, 12, 20)]
    [InlineData(int.MaxValue, 1, 2147483647)]
    public void Index_labels_step_by_one_two_or_five_times_a_power_of_ten(int count, int maxLabels, int step)
    {
        Assert.Equal(step, LinearAxis.IndexStep(count, maxLabels));
    }
}
