using Archive.Engine.Evidence;
using Archive.Engine.Methods;
using Archive.Engine.Vision;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Training;

/// <summary>How a CNN is trained: AdamW on cross-entropy, minibatches in an order drawn from the seed.</summary>
public sealed record ConvNetTrainingOptions
{
    public required ConvNetConfig Config { get; init; }
    public int Epochs { get; init; } = 8;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>PyTorch's AdamW default.</summary>
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Seeds the initial weights (<see cref="ConvNet.Create"/>) and, through a <see cref="SplitMix64"/>, the
    /// order of the training images in every epoch.</summary>
    public long Seed { get; init; }
    public int ReportEvery { get; init; } = 50;

    public void Validate()
    {
        Config.Validate();
        if (Epochs < 0) throw new ArgumentException("Epochs must not be negative.");
        if (BatchSize <= 0) throw new ArgumentException("BatchSize must be positive.");
        if (ReportEvery <= 0) throw new ArgumentException("ReportEvery must be positive.");
    }
}

/// <param name="LossCurve">(step, minibatch loss) every ReportEvery steps and at the last step.</param>
public sealed record ConvNetTrainingResult(ConvNetTrainingOptions Options, ConvNet Net, LossPoint[] LossCurve, int Steps);

/// <summary>Trains a <see cref="ConvNet"/> on labelled images, deterministically for a seed on a given machine and thread count.</summary>
public static class ConvNetTraining
{
    /// <summary>
    /// The order of the training images in each epoch: a Fisher–Yates shuffle of 0 … n−1 driven by a
    /// <see cref="SplitMix64"/> seeded with the seed (position i, from the last down, swaps with next() mod (i + 1)), one
    /// shuffle after another from the same generator.
    /// </summary>
    public static int[] EpochOrder(SplitMix64 rng, int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    public static ConvNetTrainingResult Train(ConvNetTrainingOptions options, ImageSet images, byte[] labels,
        IProgress<TrainingProgress>? progress = null, Device? device = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (labels.Length != images.Count) throw new ArgumentException($"{labels.Length} labels for {images.Count} images.", nameof(labels));
        device ??= EngineDevice.Default;
        var net = ConvNet.Create(options.Config, options.Seed, device);
        try
        {
            using var all = images.ToTensor(device); // [n, 1, h, w]
            using var targets = tensor(labels.Select(l => (long)l).ToArray(), ScalarType.Int64, device);
            var rng = new SplitMix64(unchecked((ulong)options.Seed));
            using var optimizer = optim.AdamW(net.Parameters(), options.LearningRate, weight_decay: options.WeightDecay);
            var stepsPerEpoch = (images.Count + options.BatchSize - 1) / options.BatchSize;
            var totalSteps = stepsPerEpoch * options.Epochs;
            var curve = new List<LossPoint>();
            var step = 0;
            for (var epoch = 0; epoch < options.Epochs; epoch++)
            {
                var order = EpochOrder(rng, images.Count);
                for (var start = 0; start < order.Length; start += options.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    step++;
                    using var scope = NewDisposeScope();
                    var index = tensor(order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)).ToArray().Select(i => (long)i).ToArray(), ScalarType.Int64, device);
                    var loss = nn.functional.cross_entropy(net.Forward(all.index_select(0, index)), targets.index_select(0, index));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    if (step % options.ReportEvery == 0 || step == totalSteps)
                    {
                        var value = loss.item<float>();
                        curve.Add(new LossPoint(step, value));
                        progress?.Report(new TrainingProgress("cnn", step, totalSteps, value));
                    }
                }
            }
            return new ConvNetTrainingResult(options, net, [.. curve], step);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }
}
