using Archive.Engine.Evidence;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Vision;

/// <summary>
/// How a feature visualisation is optimised: the image is sigmoid(z), z starting from N(0, <see cref="InitialStd"/>²)
/// drawn on the CPU from <see cref="Seed"/>; Adam on z for <see cref="Steps"/> steps at <see cref="LearningRate"/>
/// maximises the unit's pre-ReLU activation at the centre of its map minus <see cref="TotalVariation"/> · Σ|neighbour
/// differences| (horizontal and vertical) minus <see cref="L2"/> · Σ pixel².
/// </summary>
public sealed record ActivationMaximisationOptions
{
    public long Seed { get; init; }
    public int Steps { get; init; } = 256;
    public double LearningRate { get; init; } = 0.05;
    public double InitialStd { get; init; } = 0.1;
    public double TotalVariation { get; init; } = 0.05;
    public double L2 { get; init; } = 0.01;
}

/// <param name="Image">The optimised image, intensities in [0, 1], quantised to bytes.</param>
/// <param name="Activation">The unit's pre-ReLU activation at its map's centre on the quantised image.</param>
public sealed record ActivationMaximisationResult(ActivationMaximisationOptions Options, ImageSet Image, double Activation);

/// <summary>Feature visualisation by activation maximisation (Olah et al. 2017): an illustration beside the tuning curve, not evidence.</summary>
public static class ActivationMaximisation
{
    public static ActivationMaximisationResult Run(ConvNet net, string layer, int channel, ActivationMaximisationOptions options)
    {
        var named = net.Config.Layer(layer);
        if (named.Type != ConvNetConfig.Conv2d) throw new InvalidDataException($"'{layer}' is not a conv2d layer.");
        if (net.Config.InputChannels != 1) throw new InvalidDataException("Feature visualisation here draws one-channel images.");
        var (row, column) = TuningCurves.MapCentre(named);
        var (c, h, w) = (net.Config.InputChannels, net.Config.InputHeight, net.Config.InputWidth);
        var point = ConvHookPoint.Output(layer);
        var frozen = net.Parameters().ToList();
        foreach (var p in frozen) p.requires_grad_(false);
        try
        {
            using var generator = new Generator(unchecked((ulong)options.Seed), CPU);
            using var init = randn([1, c, h, w], ScalarType.Float32, CPU, generator: generator).mul_(options.InitialStd);
            using var z = new TorchSharp.Modules.Parameter(init.to(net.Device), requires_grad: true);
            using var optimizer = optim.Adam([z], options.LearningRate);
            for (var step = 0; step < options.Steps; step++)
            {
                using var scope = NewDisposeScope();
                Tensor? unit = null;
                var x = z.sigmoid();
                net.Forward(x, [(point, (a, _) => { unit = a[0, channel, row, column]; return null; })]);
                var tv = (x[.., .., 1.., ..] - x[.., .., ..^1, ..]).abs().sum() + (x[.., .., .., 1..] - x[.., .., .., ..^1]).abs().sum();
                var loss = -unit! + options.TotalVariation * tv + options.L2 * x.square().sum();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            using var final = z.detach().sigmoid().cpu();
            var pixels = final.data<float>().ToArray().Select(v => ImageSet.Quantise(v)).ToArray();
            var image = new ImageSet(1, h, w, pixels);
            using var quantised = image.ToTensor(net.Device);
            var (_, cache) = net.RunWithCache(quantised, p => p == point);
            var activation = cache[point][0, channel, row, column].item<float>();
            foreach (var t in cache.Values) t.Dispose();
            return new ActivationMaximisationResult(options, image, activation);
        }
        finally
        {
            foreach (var p in frozen) p.requires_grad_(true);
        }
    }
}
