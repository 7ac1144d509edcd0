using Archive.Formats.Charts;
using Xunit;

namespace Archive.Engine.Tests.Charts;

public sealed class ColourScaleTests
{
    private const string White = "#ffffff", PaleBlue = "#f7fbff", DarkBlue = "#08306b", DarkRed = "#67000d";

    [Fact]
    public void A_sequential_scale_runs_pale_to_dark_blue_and_clamps_beyond_its_ends()
    {
        var scale = ColourScale.Sequential(0, 1);

        Assert.Equal(PaleBlue, scale.Colour(0));
        Assert.Equal(DarkBlue, scale.Colour(1));
        Assert.Equal(PaleBlue, scale.Colour(-5));
        Assert.Equal(DarkBlue, scale.Colour(5));
        Assert.False(scale.IsDark(0.1));
        Assert.True(scale.IsDark(0.9));
    }

    [Fact]
    public void A_diverging_scale_is_red_white_blue_around_zero()
    {
        var scale = ColourScale.Diverging(2);

        Assert.Equal(DarkRed, scale.Colour(-2));
        Assert.Equal(White, scale.Colour(-1e-9));
        Assert.Equal(PaleBlue, scale.Colour(0));
        Assert.Equal(DarkBlue, scale.Colour(2));
        Assert.Equal((-2.0, 2.0), (scale.Min, scale.Max));
    }

    [Fact]
    public void Non_finite_values_are_grey()
    {
        var scale = ColourScale.Diverging(1);

        Assert.All([double.NaN, double.PositiveInfinity, double.NegativeInfinity], v => Assert.Equal(ColourScale.Missing, scale.Colour(v)));
        Assert.False(scale.IsDark(double.NaN));
    }

    [Fact]
    public void Fitted_scales_follow_the_signs_of_the_data()
    {
        var mixed = ColourScale.Fit([-0.5, 2, double.NaN]);
        Assert.True(mixed.IsDiverging);
        Assert.Equal((-2.0, 2.0), (mixed.Min, mixed.Max));

        var positive = ColourScale.Fit([0.3, 0.9]);
        Assert.False(positive.IsDiverging);
        Assert.Equal((0.0, 0.9), (positive.Min, positive.Max));

        // All ≤ 0: the most negative value is the darkest.
        var negative = ColourScale.Fit([-3, -1]);
        Assert.Equal((-3.0, 0.0), (negative.Min, negative.Max));
        Assert.Equal(DarkRed, negative.Colour(-3));
        Assert.Equal(White, negative.Colour(0));
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new[] { 0.0, 0.0 })]
    [InlineData(new[] { double.NaN, double.PositiveInfinity })]
    public void Data_with_no_range_get_a_unit_scale(double[] values)
    {
        var scale = ColourScale.Fit(values);

        Assert.Equal((0.0, 1.0, false), (scale.Min, scale.Max, scale.IsDiverging));
        Assert.Equal(PaleBlue, scale.Colour(0));
    }

    [Fact]
    public void Scales_without_a_finite_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ColourScale.Sequential(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColourScale.Sequential(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColourScale.Diverging(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColourScale.Diverging(double.PositiveInfinity));
    }
}
