using Archive.Formats.Models;
using Archive.Engine.Evidence;
using Archive.Engine.Methods;
using static TorchSharp.torch;

namespace Archive.Engine.Vision;

/// <summary>Accuracy on two groups of classes: the fraction of images of a group's classes whose top class is their label.</summary>
public sealed record GroupAccuracies(double Curve, double Straight, double[] PerClass);

/// <summary>One set of ablated units and what it costs: accuracy drops (clean − ablated) per group, and their difference.</summary>
public sealed record AblationDrop(int[] Units, GroupAccuracies Accuracy, double CurveDrop, double StraightDrop)
{
    /// <summary>How much more the ablation costs the curve group than the straight group.</summary>
    public double Differential => CurveDrop - StraightDrop;
}

/// <param name="Clean">Accuracies with nothing ablated.</param>
/// <param name="Claimed">Zero-ablating the claimed units together.</param>
/// <param name="Random">Zero-ablating as many units of the same layer, drawn at random from the others, per draw.</param>
public sealed record UnitAblationResult(GroupAccuracies Clean, AblationDrop Claimed, AblationDrop[] Random)
{
    public double RandomMeanDifferential => Random.Average(d => d.Differential);

    /// <summary>The claimed units' differential minus the random draws' mean: the part that is not just "fewer units".</summary>
    public double ExcessOverRandom => Claimed.Differential - RandomMeanDifferential;

    /// <summary>The fraction of random draws whose differential is strictly below the claimed units'.</summary>
    public double RandomRank => Random.Count(d => d.Differential < Claimed.Differential) / (double)Random.Length;
}

/// <summary>
/// Zero-ablation of channels of one layer of a CNN, judged by accuracy on a labelled image set split into two groups of
/// classes (for digits: curved 0, 2, 3, 5, 6, 8, 9 against straight-stroked 1, 4, 7), against a control of random units.
/// Random draws: a <see cref="SplitMix64"/> from the seed; per draw, a partial Fisher–Yates shuffle of the layer's
/// other units in ascending order (position i swaps with i + next() mod (n − i)), keeping the first k.
/// </summary>
public static class UnitAblation
{
    /// <param name="outputs">The layer's output over <paramref name="images"/> from an earlier run (<see cref="LayerOutputs.Compute"/>),
    /// or null to compute it here.</param>
    public static UnitAblationResult Run(ConvNet net, ImageSet images, byte[] labels, string layer, IReadOnlyList<int> units,
        IReadOnlyList<int> curveClasses, IReadOnlyList<int> straightClasses, long seed, int draws, LayerOutputs? outputs = null)
    {
        if (labels.Length != images.Count) throw new InvalidDataException($"{labels.Length} labels for {images.Count} images.");
        var named = net.Config.Layer(layer);
        var others = Enumerable.Range(0, named.Channels).Except(units).ToArray();
        if (others.Length < units.Count)
            throw new InvalidDataException($"Layer '{layer}' has {others.Length} units besides the {units.Count} claimed: too few for a random control of the same size.");
        foreach (var c in curveClasses.Concat(straightClasses))
            if (!labels.Contains((byte)c)) throw new InvalidDataException($"The image set has no image of class {c}.");

        // Ablations change only what comes after the layer: its output is computed once, batch by batch, and each
        // variant runs the rest of the network from there (30 draws cost a little more than one full pass, not 31).
        var owned = outputs is null ? LayerOutputs.Compute(net, images, layer) : null;
        using var _ = owned;
        outputs ??= owned!;
        var clean = Score(net, labels, curveClasses, straightClasses, outputs.Predict(net, []));
        AblationDrop Ablate(int[] ablated)
        {
            var accuracy = Score(net, labels, curveClasses, straightClasses, outputs.Predict(net, ablated));
            return new AblationDrop(ablated, accuracy, clean.Curve - accuracy.Curve, clean.Straight - accuracy.Straight);
        }
        var rng = new SplitMix64(unchecked((ulong)seed));
        var random = new AblationDrop[draws];
        for (var d = 0; d < draws; d++)
        {
            var pool = (int[])others.Clone();
            for (var i = 0; i < units.Count; i++)
            {
                var j = i + rng.NextInt(pool.Length - i);
                (pool[i], pool[j]) = (pool[j], pool[i]);
            }
            random[d] = Ablate([.. pool.Take(units.Count).Order()]);
        }
        return new UnitAblationResult(clean, Ablate([.. units]), random);
    }

    /// <summary>Top-class predictions (the first on a tie) for every image, with the given hook firing.</summary>
    public static int[] Predict(ConvNet net, ImageSet images, (ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook)? hook = null, int batchSize = 500)
    {
        var predictions = new int[images.Count];
        for (var start = 0; start < images.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, images.Count - start);
            using var scope = NewDisposeScope();
            using var batch = images.Slice(start, count, net.Device);
            var logits = hook is { } h ? net.RunWithHooks(batch, h) : net.RunWithHooks(batch);
            TopClasses(logits).CopyTo(predictions, start);
        }
        return predictions;
    }

    /// <summary>The top class of each row of scores, the first on a tie.</summary>
    internal static int[] TopClasses(Tensor logits) => [.. logits.argmax(1).to(ScalarType.Int64).cpu().data<long>().ToArray().Select(p => (int)p)];

    public static GroupAccuracies Accuracy(ConvNet net, ImageSet images, byte[] labels, IReadOnlyList<int> curveClasses, IReadOnlyList<int> straightClasses,
        (ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook)? hook) =>
        Score(net, labels, curveClasses, straightClasses, Predict(net, images, hook));

    private static GroupAccuracies Score(ConvNet net, byte[] labels, IReadOnlyList<int> curveClasses, IReadOnlyList<int> straightClasses, int[] predicted)
    {
        var classes = net.Config.Classes;
        var (correct, total) = (new int[classes], new int[classes]);
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes) throw new InvalidDataException($"Label {labels[i]} of image {i} is not one of the network's {classes} classes.");
            total[labels[i]]++;
            if (predicted[i] == labels[i]) correct[labels[i]]++;
        }
        double Group(IReadOnlyList<int> group) => group.Sum(c => correct[c]) / (double)group.Sum(c => total[c]);
        return new GroupAccuracies(Group(curveClasses), Group(straightClasses),
            [.. Enumerable.Range(0, classes).Select(c => total[c] == 0 ? double.NaN : correct[c] / (double)total[c])]);
    }
}

/// <summary>
/// What every image leaves after one layer and the channel-wise layers that follow it (its ReLU and max-pool), in the
/// batches <see cref="UnitAblation.Predict"/> uses, for ablations of that layer's channels. Zeroing a channel commutes
/// with ReLU (relu(0) = 0) and max-pooling (the max over zeros is 0), and those layers treat every channel alone, so a
/// channel zeroed here gives bit for bit the scores of zeroing it at the layer's output; only the layers after run per
/// variant.
/// </summary>
public sealed class LayerOutputs : IDisposable
{
    private readonly List<Tensor> batches = [];
    private int position;
    private string layer = "";

    public static LayerOutputs Compute(ConvNet net, ImageSet images, string layer, int batchSize = 500)
    {
        var named = net.Config.Layer(layer);
        var outputs = new LayerOutputs { position = named.Position, layer = layer };
        while (outputs.position + 1 < net.Config.layers.Count && net.Config.layers[outputs.position + 1].type is ConvNetConfig.Relu or ConvNetConfig.MaxPool)
            outputs.position++;
        try
        {
            for (var start = 0; start < images.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                using var batch = images.Slice(start, Math.Min(batchSize, images.Count - start), net.Device);
                outputs.batches.Add(net.RunThrough(batch, outputs.position).MoveToOuterDisposeScope());
            }
            return outputs;
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
    }

    /// <summary>Top-class predictions (the first on a tie) for every image, with <paramref name="zeroed"/> channels set to 0.</summary>
    public int[] Predict(ConvNet net, IReadOnlyCollection<int> zeroed)
    {
        var predictions = new List<int>();
        var keep = batches.Count == 0 || zeroed.Count == 0 ? null : ConvNet.KeepMask(layer, (int)batches[0].shape[1], zeroed);
        foreach (var output in batches)
        {
            EngineCancellation.ThrowIfRequested();
            using var scope = NewDisposeScope();
            predictions.AddRange(UnitAblation.TopClasses(net.RunFrom(position, keep is null ? output : ConvNet.ZeroChannels(output, keep))));
        }
        return [.. predictions];
    }

    public void Dispose()
    {
        foreach (var b in batches) b.Dispose();
        batches.Clear();
    }
}
