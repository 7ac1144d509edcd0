using Archive.Engine.Methods;
using Archive.Engine.Vision;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// <c>cnn_ablation</c>: zero-ablate the claimed units of one conv layer together and measure the accuracy drop (clean −
/// ablated) on curved digits and on straight-stroked ones over a stored labelled image set; the control is ablating as
/// many other units of the same layer, drawn at random (<see cref="UnitAblation"/>), <c>random_draws</c> times from
/// <c>seed</c>. Headline by <c>measure</c>: <c>excess_over_random</c> (the claimed units' curve-minus-straight drop minus
/// the random draws' mean), <c>differential_drop</c> (the claimed units' alone) or <c>random_rank</c> (the fraction of
/// draws with a smaller differential).
/// </summary>
public sealed class CnnAblationMethods(IImageSetSource images) : IEvidenceMethod, IDisposable
{
    // The layer's output over an image set depends only on the model and the images (keys are sha256s, so an entry
    // never goes stale): the next claim on them, or the same claim re-checked, runs only the ablated tails. Capacity 4,
    // as for sae_feature, is above any sensible Concurrency, so no run loses outputs it is using.
    private readonly RecentValues<(string Model, string Images, string Layer), LayerOutputs> layerOutputs = new(capacity: 4, o => o.Dispose());

    public IReadOnlyCollection<string> Names { get; } = ["cnn_ablation"];

    public void Dispose() => layerOutputs.Dispose();

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var net = context.RequireConvNet();
        var claim = context.Claim;
        var p = claim.ParametersAs<CnnAblationParameters>();
        var (layer, units) = ComponentTargets.ResolveUnits(claim.Targets, net.Config);
        var set = images.Get(p.Images);
        var labels = images.GetLabels(p.Images);
        if (set.Height != net.Config.InputHeight || set.Width != net.Config.InputWidth || net.Config.InputChannels != 1)
            throw new InvalidDataException($"The images are {set.Height} × {set.Width} one-channel; the network takes [{string.Join(", ", net.Config.input)}].");
        var outputs = layerOutputs.GetOrAdd((context.ModelSha256, p.Images.Sha256, layer.Name), () => LayerOutputs.Compute(net, set, layer.Name));
        var result = UnitAblation.Run(net, set, labels, layer.Name, units, p.CurveDigits, p.StraightDigits, p.Seed, p.RandomDraws, outputs);
        var headline = p.Measure switch
        {
            "excess_over_random" => result.ExcessOverRandom,
            "differential_drop" => result.Claimed.Differential,
            "random_rank" => result.RandomRank,
            _ => throw new InvalidDataException($"Unknown cnn_ablation measure '{p.Measure}'."),
        };
        var differentials = result.Random.Select(d => d.Differential).ToArray();
        var mean = differentials.Average();
        return new EvidenceOutcome(
            headline,
            new
            {
                layer = layer.Name, units, ablation = "zero (the units' output channels set to 0, so their ReLU and everything after see 0)",
                curve_digits = p.CurveDigits, straight_digits = p.StraightDigits, seed = p.Seed, random_draws = p.RandomDraws, measure = p.Measure,
                random_units = $"{SplitMix64.Name} from the seed; per draw a partial Fisher–Yates shuffle of the layer's other units in ascending order (position i swaps with i + next() mod (n − i)), keeping the first {units.Length}",
                accuracy = "fraction of a group's images whose top class (the first on a tie) is their label; drop = clean − ablated",
            },
            new
            {
                images = new
                {
                    sha256 = p.Images.Sha256, labels_sha256 = p.Images.LabelsSha256, count = p.Images.Count, height = p.Images.Height, width = p.Images.Width,
                    layout = p.Images.Layout,
                },
            },
            new
            {
                clean = Accuracies(result.Clean),
                claimed = Drop(result.Claimed),
                random = result.Random.Select(Drop).ToArray(),
                control = new
                {
                    description = $"{p.RandomDraws} draws of {units.Length} random other units of {layer.Name}",
                    mean_curve_drop = result.Random.Average(d => d.CurveDrop), mean_straight_drop = result.Random.Average(d => d.StraightDrop),
                    mean_differential = mean,
                    sd_differential = Math.Sqrt(differentials.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, differentials.Length - 1)),
                },
                excess_over_random = result.ExcessOverRandom, differential_drop = result.Claimed.Differential, random_rank = result.RandomRank,
            },
            new
            {
                differentials = new
                {
                    title = "Curve-digit minus straight-digit accuracy drop: the claimed units, then each random draw",
                    labels = new[] { "claimed " + string.Join(",", units) }.Concat(result.Random.Select((d, i) => $"random {i}: {string.Join(",", d.Units)}")).ToArray(),
                    values = new[] { result.Claimed.Differential }.Concat(differentials).ToArray(),
                },
            });
    }

    private static object Accuracies(GroupAccuracies a) => new { curve = a.Curve, straight = a.Straight, per_class = a.PerClass };

    private static object Drop(AblationDrop d) => new
    {
        units = d.Units, accuracy = Accuracies(d.Accuracy), curve_drop = d.CurveDrop, straight_drop = d.StraightDrop, differential = d.Differential,
    };
}
