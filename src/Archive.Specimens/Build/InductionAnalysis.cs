using Archive.Engine.Methods;
using Archive.Engine.Transformer;

namespace Archive.Specimens.Build;

/// <summary>
/// Everything the selection batches showed about a trained induction model, in one place so that the claims, the
/// diagram and the writeup read the same numbers: every head's scores (means over the batches), the heads chosen from
/// them, a <see cref="InductionPrediction"/> for every number a claim states, and the weight-only composition and copying
/// scores with their random baseline. Nothing here looks at the claim seed.
/// </summary>
public sealed record InductionAnalysis
{
    public required int LastLayer { get; init; }
    public required int PreviousHead { get; init; }
    /// <summary>The last layer's heads that carry induction, in index order (<see cref="InductionSpecimen.MinInductionScore"/>).</summary>
    public required IReadOnlyList<int> InductionHeads { get; init; }

    /// <summary>Means over the selection batches, [layer][head].</summary>
    public required double[][] PreviousToken { get; init; }
    public required double[][] Induction { get; init; }
    public required (double Induction, double DuplicateToken, double PreviousToken) Chance { get; init; }

    public required InductionPrediction PreviousScore { get; init; }
    /// <summary>Per head of the last layer (all of them, chosen or not).</summary>
    public required InductionPrediction[] InductionScores { get; init; }
    public required InductionPrediction Icl { get; init; }
    public required double FirstCopyLoss { get; init; }
    public required double SecondCopyLoss { get; init; }
    public required double[] LossByPosition { get; init; }

    /// <summary>Zero-ablation of <see cref="InductionHeads"/> together, on the second copy and (control) on the first.</summary>
    public required InductionPrediction SetEffect { get; init; }
    public required double SetControl { get; init; }
    /// <summary>Each of <see cref="InductionHeads"/> ablated alone, in that order; and on the first copy (control).</summary>
    public required InductionPrediction[] Singles { get; init; }
    public required double[] SinglesControl { get; init; }
    public required InductionPrediction LargestShare { get; init; }
    public required InductionPrediction SumShare { get; init; }
    /// <summary>Each layer-0 head ablated alone, on the second copy.</summary>
    public required InductionPrediction[] LayerZeroSingles { get; init; }

    /// <summary>K-composition [layer-0 head][last-layer head], weights only.</summary>
    public required double[][] KComposition { get; init; }
    public required CompositionBaselineResult Baseline { get; init; }
    /// <summary>Copying score of W_E·W_OV·W_U per last-layer head.</summary>
    public required double[] Copying { get; init; }

    /// <summary>A[d, d−L+1] per induction head (rows) and second-copy position d (columns), over the first batch.</summary>
    public required double[][] Stripes { get; init; }
    /// <summary>The best induction head's pattern on the first sequence of the first batch.</summary>
    public required float[][] BestPattern { get; init; }
    public int BestHead => InductionHeads.MaxBy(h => Induction[LastLayer][h]);

    public static InductionAnalysis Run(HookedTransformer model, InductionSpecimen recipe)
    {
        var c = model.Config;
        int last = c.n_layers - 1, L = recipe.Options.RepeatLength;
        var batches = recipe.SelectionSeeds.Select(seed => RepeatedTokens.Generate(recipe.Batch, L, c.d_vocab, seed, recipe.Options.Bos)).ToList();
        var p = batches[0].PrefixLength;
        var scores = batches.Select(b => HeadScores.Run(model, b)).ToList();
        double[][] MeanOver(Func<HeadScoresResult, double[][]> of) =>
            [.. Enumerable.Range(0, c.n_layers).Select(l => Enumerable.Range(0, c.n_heads).Select(h => scores.Average(s => of(s)[l][h])).ToArray())];
        var previous = MeanOver(s => s.PreviousToken);
        var induction = MeanOver(s => s.Induction);
        var previousHead = ArgMax(previous[0]);
        var best = ArgMax(induction[last]);
        // Every clear induction head of the last layer: ablating only one of several undersells them.
        var heads = Enumerable.Range(0, c.n_heads)
            .Where(h => h == best || induction[last][h] >= Math.Max(InductionSpecimen.MinInductionScore, induction[last][best] / 2)).ToList();

        var secondCopy = MetricSpec.LossOver(p + L - 1, p + 2 * L - 1);
        var firstCopy = MetricSpec.LossOver(Math.Max(p - 1, 0), p + L - 1);
        var set = heads.Select(h => Component.Head(last, h)).ToList();
        var several = set.Count > 1;
        var ablations = batches.Select(b => Interventions.Ablate(model, b.Tokens, set, AblationKind.Zero, secondCopy, perComponent: several)).ToList();
        var controls = batches.Select(b => Interventions.Ablate(model, b.Tokens, set, AblationKind.Zero, firstCopy, perComponent: several)).ToList();
        double Single(AblationResult a, int i) => several ? a.PerComponent![i].Effect : a.Effect;
        var layerZero = Enumerable.Range(0, c.n_heads).Select(h => InductionPrediction.Of(batches.Select(b =>
            Interventions.Ablate(model, b.Tokens, [Component.Head(0, h)], AblationKind.Zero, secondCopy).Effect))).ToArray();
        var icl = batches.Select(b => LossScores.InContextLearning(model, b)).ToList();

        var kComposition = WeightScores.CompositionScores(model, CompositionKind.K).Scores;
        return new InductionAnalysis
        {
            LastLayer = last,
            PreviousHead = previousHead,
            InductionHeads = heads,
            PreviousToken = previous,
            Induction = induction,
            Chance = HeadScores.UniformAttention(p, L),
            PreviousScore = InductionPrediction.Of(scores.Select(s => s.PreviousToken[0][previousHead])),
            InductionScores = [.. Enumerable.Range(0, c.n_heads).Select(h => InductionPrediction.Of(scores.Select(s => s.Induction[last][h])))],
            Icl = InductionPrediction.Of(icl.Select(i => i.Score)),
            FirstCopyLoss = icl.Average(i => i.FirstCopyLoss),
            SecondCopyLoss = icl.Average(i => i.SecondCopyLoss),
            LossByPosition = icl[0].LossByPosition,
            SetEffect = InductionPrediction.Of(ablations.Select(a => a.Effect)),
            SetControl = controls.Average(a => a.Effect),
            Singles = [.. heads.Select((_, i) => InductionPrediction.Of(ablations.Select(a => Single(a, i))))],
            SinglesControl = [.. heads.Select((_, i) => controls.Average(a => Single(a, i)))],
            LargestShare = InductionPrediction.Of(ablations.Select(a => heads.Select((_, i) => Single(a, i)).Max() / a.Effect)),
            SumShare = InductionPrediction.Of(ablations.Select(a => heads.Select((_, i) => Single(a, i)).Sum() / a.Effect)),
            LayerZeroSingles = layerZero,
            KComposition = [.. Enumerable.Range(0, c.n_heads).Select(h => kComposition[0][h][last])],
            Baseline = CompositionBaseline.Sample(CompositionKind.K, c.d_model, c.d_head, recipe.SelectionBaselineSeed, recipe.BaselineSamples),
            Copying = WeightScores.CopyingScores(model).Full[last],
            Stripes = InductionStripes(model, batches[0], last, heads),
            BestPattern = AttentionPatterns.Run(model, batches[0].Tokens[0]).Patterns[last][best],
        };
    }

    /// <summary>The induction score's terms one destination at a time, averaged over the batch's sequences.</summary>
    private static double[][] InductionStripes(HookedTransformer model, RepeatedTokens batch, int layer, IReadOnlyList<int> heads)
    {
        int p = batch.PrefixLength, L = batch.RepeatLength;
        var sums = heads.Select(_ => new double[L]).ToArray();
        foreach (var sequence in batch.Tokens)
        {
            var patterns = AttentionPatterns.Run(model, sequence).Patterns[layer];
            for (var i = 0; i < heads.Count; i++)
                for (var d = p + L; d < p + 2 * L; d++) sums[i][d - p - L] += patterns[heads[i]][d][d - L + 1];
        }
        return [.. sums.Select(row => row.Select(v => v / batch.Tokens.Length).ToArray())];
    }

    private static int ArgMax(double[] values) => Array.IndexOf(values, values.Max());
}
