using Archive.Engine.Evidence;
using Archive.Engine.Tests.Transformer;
using Archive.Engine.Vision;
using Archive.Formats.Models;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Vision;

public class TuningCurveTests
{
    private static double[] Circle(params (int Index, double Value)[] values)
    {
        var r = new double[24];
        foreach (var (i, v) in values) r[i] = v;
        return r;
    }

    [Fact]
    public void Fwhm_interpolates_the_half_maximum_crossing_on_each_side()
    {
        // Peak 4 at 60°, falling by 1 per 15° step: half (2) is reached exactly 2 steps out on each side.
        Assert.Equal(60, TuningCurves.FullWidthAtHalfMaximum(Circle((2, 2), (3, 3), (4, 4), (5, 3), (6, 2), (7, 1), (1, 1))), 9);
        // A lone spike falls below half within half a step on either side.
        Assert.Equal(15, TuningCurves.FullWidthAtHalfMaximum(Circle((10, 1))), 9);
        // Wrapping around 0°: the same spike placed at 0° has the same width.
        Assert.Equal(15, TuningCurves.FullWidthAtHalfMaximum(Circle((0, 1))), 9);
        // Asymmetric: 0.75 one step to the right, so the right side crosses at 1 + (0.75 − 0.5)/0.75 steps.
        Assert.Equal(7.5 + 15 * (1 + 0.25 / 0.75), TuningCurves.FullWidthAtHalfMaximum(Circle((12, 1), (13, 0.75))), 9);
    }

    [Fact]
    public void Fwhm_is_360_for_a_flat_curve_and_undefined_for_a_silent_one()
    {
        Assert.Equal(360, TuningCurves.FullWidthAtHalfMaximum(Enumerable.Repeat(1.0, 24).ToArray()));
        Assert.True(double.IsNaN(TuningCurves.FullWidthAtHalfMaximum(new double[24])));
    }

    [Fact]
    public void Selectivity_divides_the_peak_curve_response_by_the_peak_line_response()
    {
        var angles = CurveStimuli.Orientations(24);
        var curve = new TuningCurve(angles, Circle((3, 6), (4, 2)), angles, Circle((9, 2), (10, 4)));

        Assert.Equal(45, curve.PreferredOrientation);
        Assert.Equal(1.5, curve.Selectivity);
        Assert.Equal(4.0 / 6, TuningCurveMethods.LineCurveRatio(curve), 12);
        Assert.Equal(0, TuningCurveMethods.LineCurveRatio(curve with { LineResponses = new double[24] }));
    }

    [Fact]
    public void An_arc_at_0_degrees_has_its_midpoint_on_the_centre_and_opens_to_the_right()
    {
        var g = new CurveStimulusGeometry(Radius: 5, Thickness: 2, ArcLength: 8);
        var arc = CurveStimuli.Curves(g, 24, 28, 28, 14, 14);
        byte At(int k, int row, int column) => arc.Pixels[(k * 28 + row) * 28 + column];

        Assert.Equal(255, At(0, 14, 14));
        Assert.Equal(0, At(0, 14, 19)); // the circle's centre, r to the right
        var lit = Enumerable.Range(0, 28 * 28).Where(p => arc.Pixels[p] > 0).Select(p => (Row: p / 28, Column: p % 28)).ToList();
        Assert.All(lit, p => Assert.True(p.Column >= 12, $"pixel {p} lies left of the arc's midpoint"));
        Assert.Contains(lit, p => p.Column >= 16);
        // Symmetric about the horizontal through the centre.
        Assert.All(lit, p => Assert.Equal(At(0, p.Row, p.Column), At(0, 28 - p.Row, p.Column)));
    }

    [Fact]
    public void Rotating_the_orientation_by_90_degrees_rotates_the_image_counter_clockwise()
    {
        var g = new CurveStimulusGeometry(Radius: 4, Thickness: 1.5, ArcLength: 7);
        var arcs = CurveStimuli.Curves(g, 24, 28, 28, 14, 14);
        var lines = CurveStimuli.Lines(g, 24, 28, 28, 14, 14);
        for (var row = 0; row < 28; row++)
        {
            for (var column = 1; column < 28; column++)
            {
                // (row, column) at 0° lands at (14 − (column − 14), 14 + (row − 14)) at 90° (k = 6).
                var (r90, c90) = (28 - column, row);
                Assert.InRange(arcs.Pixels[(0 * 28 + row) * 28 + column] - arcs.Pixels[(6 * 28 + r90) * 28 + c90], -1, 1);
                // A line and its reverse are the same picture.
                Assert.InRange(lines.Pixels[(3 * 28 + row) * 28 + column] - lines.Pixels[(15 * 28 + row) * 28 + column], -1, 1);
            }
        }
    }

    [Fact]
    public void Centre_responses_match_the_loop_implementation_at_the_centre_of_the_map()
    {
        var config = ConvNetConfig.FromJson(ConvNetTests.Mnist);
        using var net = ConvNet.Create(config, seed: 4, CPU);
        var (row, column) = TuningCurves.ReceptiveFieldCentre(config, "conv2");
        var stimuli = CurveStimuli.Curves(new CurveStimulusGeometry(5, 2, 8), 24, 28, 28, row, column);

        var responses = TuningCurves.CentreResponses(net, "conv2", stimuli, batchSize: 7);

        foreach (var k in new[] { 0, 5, 13, 23 })
        {
            var image = new[] { Enumerable.Range(0, 28).Select(r => Enumerable.Range(0, 28).Select(c => stimuli.Pixels[(k * 28 + r) * 28 + c] / 255.0).ToArray()).ToArray() };
            var relu = ReferenceConvForward.Run(net, image).Activations["conv2.relu"]; // [16, 14, 14]
            for (var u = 0; u < 16; u++) Assert.Equal(relu[(u * 14 + 7) * 14 + 7], responses[u][k], 1e-4);
        }
        Assert.Throws<InvalidDataException>(() => TuningCurves.CentreResponses(net, "fc1", stimuli));
    }

    [Fact]
    public void Resuming_after_a_point_gives_the_full_runs_scores()
    {
        var config = ConvNetConfig.FromJson(ConvNetTests.Mnist);
        using var net = ConvNet.Create(config, seed: 8, CPU);
        var random = new Random(4);
        using var images = new ImageSet(12, 28, 28, [.. Enumerable.Range(0, 12 * 784).Select(_ => (byte)random.Next(256))]).ToTensor(CPU);
        var pool2 = config.Layer("conv2").Position + 2; // conv2, relu, maxpool

        using var through = net.RunThrough(images, pool2);
        using var resumed = net.RunFrom(pool2, through);
        using var full = net.RunWithHooks(images);

        Assert.Equal([12L, 16, 7, 7], through.shape);
        Assert.Equal(full.data<float>().ToArray(), resumed.data<float>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => net.RunFrom(config.layers.Count, through));
    }

    [Fact]
    public void Random_control_units_are_drawn_from_the_seed_among_the_other_units_of_the_layer()
    {
        var config = ConvNetConfig.FromJson(ConvNetTests.Mnist);
        using var net = ConvNet.Create(config, seed: 6, CPU);
        var random = new Random(3);
        var images = new ImageSet(40, 28, 28, [.. Enumerable.Range(0, 40 * 784).Select(_ => (byte)random.Next(256))]);
        var labels = Enumerable.Range(0, 40).Select(i => (byte)(i % 10)).ToArray();
        int[] claimed = [3, 7];

        var a = UnitAblation.Run(net, images, labels, "conv2", claimed, [0, 2, 3, 5, 6, 8, 9], [1, 4, 7], seed: 5, draws: 6);
        var b = UnitAblation.Run(net, images, labels, "conv2", claimed, [0, 2, 3, 5, 6, 8, 9], [1, 4, 7], seed: 5, draws: 6);

        Assert.Equal(a.Random.Select(d => d.Units), b.Random.Select(d => d.Units));
        Assert.All(a.Random, d =>
        {
            Assert.Equal(2, d.Units.Distinct().Count());
            Assert.DoesNotContain(d.Units, claimed.Contains);
            Assert.Equal(d.Units.Order(), d.Units);
        });
        // The claimed ablation is what zeroing those channels does to the predictions.
        var ablated = UnitAblation.Predict(net, images, net.ZeroChannels("conv2", claimed));
        var clean = UnitAblation.Predict(net, images);
        double Accuracy(int[] predicted, int[] classes) =>
            Enumerable.Range(0, 40).Count(i => classes.Contains(labels[i]) && predicted[i] == labels[i]) / (double)labels.Count(l => classes.Contains(l));
        Assert.Equal(Accuracy(clean, [0, 2, 3, 5, 6, 8, 9]) - Accuracy(ablated, [0, 2, 3, 5, 6, 8, 9]), a.Claimed.CurveDrop, 12);
        Assert.Equal(Accuracy(clean, [1, 4, 7]) - Accuracy(ablated, [1, 4, 7]), a.Claimed.StraightDrop, 12);
        Assert.Equal(a.Claimed.Differential - a.Random.Average(d => d.Differential), a.ExcessOverRandom, 12);
        Assert.Throws<InvalidDataException>(() => UnitAblation.Run(net, images, labels, "conv2", [.. Enumerable.Range(0, 9)], [0], [1], 1, 1));
    }
}
