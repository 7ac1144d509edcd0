using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data.Claims;
using Archive.Engine.Evidence;
using Archive.Engine.Models;
using Archive.Engine.Training;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;
using Archive.Formats.Models;

namespace Archive.Specimens.Build;

/// <summary>
/// Induction heads in a two-layer attention-only transformer (Elhage et al. 2021; Olsson et al. 2022), trained here from
/// a seed on sequences that repeat a random block. Selection batches choose the heads and fix what every claim predicts,
/// with a margin from their own spread (<see cref="InductionPrediction"/>); the claims are then checked, here and by the
/// worker, on a batch drawn with a seed the selection never used.
/// </summary>
public sealed class InductionSpecimen : ISpecimenRecipe
{
    public string Slug => "induction-heads-2l-attn-only";

    /// <summary>The training recipe.</summary>
    public InductionTrainingOptions Options { get; init; } = new() { Seed = 1 };

    /// <summary>Sequences per batch, selection and claims alike: BOS + r + r, r uniform over the vocabulary (section 3).</summary>
    public int Batch { get; init; } = 32;

    /// <summary>The selection batches use seeds <see cref="SelectionSeed"/>, +1, … (<see cref="SelectionBatches"/> of them).</summary>
    public long SelectionSeed { get; init; } = 12345;

    /// <summary>Enough batches for their spread to set a margin (the prediction interval is tabulated for 2 to 11).</summary>
    public const int SelectionBatches = 8;

    /// <summary>The one batch every claim is checked on; none of the selection batches used it.</summary>
    public long ClaimSeed { get; init; } = 54321;

    /// <summary>Random matrices for the composition baseline: one seed for the writeup's numbers, another for the claims'.</summary>
    public long SelectionBaselineSeed { get; init; } = 1;
    public long ClaimBaselineSeed { get; init; } = 2;
    public int BaselineSamples { get; init; } = 1000;

    /// <summary>
    /// A K-composition claim says the pair beats this fraction of random pairs: above the baseline's 99th percentile, a
    /// one-sided test at the 1% level.
    /// </summary>
    public const double CompositionRank = 0.99;

    /// <summary>A last-layer head counts as an induction head from this score (ten times what even attention scores here,
    /// about 0.03) and half the best head's: the rule that chose the heads, applied to the selection batches only.</summary>
    public const double MinInductionScore = 0.3;

    public IEnumerable<long> SelectionSeeds => Enumerable.Range(0, SelectionBatches).Select(k => SelectionSeed + k);

    public void Build(string bundleFolder, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        if (SelectionSeeds.Contains(ClaimSeed)) throw new InvalidOperationException($"Claim seed {ClaimSeed} is one of the selection seeds.");
        var trained = InductionTraining.Train(Options, progress, cancellationToken: ct);
        using var model = trained.Model;
        var modelPath = Path.Combine(bundleFolder, "model.safetensors");
        ModelFile.Save(modelPath, model.Config, model.StateDict(),
            new Dictionary<string, string> { ["training"] = JsonSerializer.Serialize(Options) });

        var analysis = InductionAnalysis.Run(model, this);
        var claims = Claims(analysis, model.Config);
        var checks = Check(claims, model, modelPath);
        var facts = new InductionFacts(this, model.Config, trained.FinalLoss, analysis, checks);

        var manifest = new BundleManifest
        {
            Slug = Slug,
            Title = "Induction heads in a two-layer attention-only transformer",
            Summary = InductionWriteup.Summary(facts),
            Behaviour = "in-context copying of repeated token sequences",
            Tags = ["induction", "attention", "in-context-learning", "toy-model"],
            Techniques = ["attention-patterns", "head-scores", "composition-scores", "ablation"],
            Authors = ["Specimen Archive"],
            Featured = true,
            RevisionMessage = "Built by archive-specimens build from seed " + Options.Seed.ToString(CultureInfo.InvariantCulture),
            Model = new BundleModel
            {
                Slug = "attn-only-2l-induction",
                Name = $"Attention-only transformer, {model.Config.n_layers} layers × {model.Config.n_heads} heads, d_model {model.Config.d_model}",
                Architecture = "attn-only",
                Description = $"Attention-only, {model.Config.n_layers} layers, {model.Config.n_heads} heads of d_head {model.Config.d_head}, vocabulary of {model.Config.d_vocab} abstract tokens, context {model.Config.n_ctx}, normalization {model.Config.normalization_type ?? "none"}.",
                TrainingNotes = $"{Options.Steps} AdamW steps (lr {Options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {Options.BatchSize}) on sequences that repeat a random block; seed {Options.Seed}. Final training loss {BundleWriter.Format(trained.FinalLoss)}.",
            },
            Circuits = [InductionCircuit.Build(analysis)],
            Claims = [.. claims.Select(c => c.Claim)],
        };
        BundleWriter.Write(bundleFolder, manifest, InductionWriteup.Markdown(facts));
    }

    /// <summary>Every claim, with the selection's prediction it came from (null for the weight-only ones).</summary>
    private List<InductionClaim> Claims(InductionAnalysis a, HookedTransformerConfig config)
    {
        int last = a.LastLayer, L = Options.RepeatLength;
        var tokens = new { seed = ClaimSeed, batch = Batch, seq_len = L, bos = Options.Bos };
        object Ablation(string measure) => new { tokens.seed, tokens.batch, tokens.seq_len, tokens.bos, ablation = "zero", metric = "loss_second_copy", measure };
        var prev = Head(0, a.PreviousHead);
        var heads = a.InductionHeads.Select(h => Head(last, h)).ToList();
        var n = heads.Count;
        var F = (Func<double, string>)(v => BundleWriter.Format(v));
        var claims = new List<InductionClaim>();
        void Add(string key, string statement, string method, List<string> targets, object parameters, InductionPrediction? prediction, string control,
            ClaimComparison comparison, double expected, double? upper = null) =>
            claims.Add(new InductionClaim(new BundleClaim
            {
                Key = key, Statement = statement, Method = method, Targets = targets, Parameters = JsonSerializer.SerializeToElement(parameters),
                Comparison = comparison, Expected = expected, ExpectedUpper = upper, Tolerance = 0,
            }, prediction, control));

        var others0 = Enumerable.Range(0, config.n_heads).Where(h => h != a.PreviousHead).Select(h => F(a.PreviousToken[0][h]));
        Add("previous-token-head",
            $"{prev} is a previous-token head: on a batch that did not choose it, its previous-token score is at least {Number(a.PreviousScore.Lower)} (selection batches: {F(a.PreviousScore.Mean)}; the other layer-0 heads {string.Join(", ", others0)}; a head attending evenly would score {F(a.Chance.PreviousToken)}).",
            "previous_token_score", [prev], tokens, a.PreviousScore, $"even attention {F(a.Chance.PreviousToken)}; other layer-0 heads ≤ {F(Enumerable.Range(0, config.n_heads).Where(h => h != a.PreviousHead).Max(h => a.PreviousToken[0][h]))}",
            ClaimComparison.AtLeast, a.PreviousScore.Lower);

        foreach (var (h, head) in a.InductionHeads.Zip(heads))
        {
            var score = a.InductionScores[h];
            Add($"induction-head-{head}",
                $"{head} is an induction head: on a batch that did not choose it, its induction score is at least {Number(score.Lower)} (selection batches: {F(score.Mean)}; a head attending evenly would score {F(a.Chance.Induction)}).",
                "induction_score", [head], tokens, score, $"even attention {F(a.Chance.Induction)}", ClaimComparison.AtLeast, score.Lower);
        }

        foreach (var (h, head) in a.InductionHeads.Zip(heads))
        {
            var k = a.KComposition[a.PreviousHead][h];
            Add($"k-composition-{prev}-{head}",
                $"{head}'s keys read {prev}'s output: their K-composition ({F(k)}) beats at least {Number(CompositionRank * 100)}% of {BaselineSamples} pairs of random matrices of the same shapes (with seed {SelectionBaselineSeed}: mean {F(a.Baseline.Mean)}, 99th percentile {F(a.Baseline.Quantile(0.99))}; the claim draws its own with seed {ClaimBaselineSeed}).",
                "k_composition", [prev, head], new { measure = "baseline_rank", baseline_seed = ClaimBaselineSeed, baseline_samples = BaselineSamples },
                null, $"random pairs: mean {F(a.Baseline.Mean)}, 99th percentile {F(a.Baseline.Quantile(0.99))}; other layer-0 heads into {head} ≤ {F(Enumerable.Range(0, config.n_heads).Where(g => g != a.PreviousHead).Max(g => a.KComposition[g][h]))}",
                ClaimComparison.AtLeast, CompositionRank);
        }

        Add("in-context-learning",
            $"The model learns in context: on a batch that did not choose the heads, its loss on the second copy of a random block is at least {Number(a.Icl.Lower)} nats lower than on the first (selection batches: {F(a.Icl.Mean)}; the first copy costs {F(a.FirstCopyLoss)} nats, near the {F(Math.Log(config.d_vocab))} of a uniform guess).",
            "icl_score", [], tokens, a.Icl, $"first-copy loss {F(a.FirstCopyLoss)} vs ln {config.d_vocab} = {F(Math.Log(config.d_vocab))}", ClaimComparison.AtLeast, a.Icl.Lower);

        var setEffect = a.SetEffect;
        Add("ablation-induction-heads",
            $"Zero-ablating {(n > 1 ? $"all {n} induction heads of layer {last} together" : "the induction head")} ({string.Join(", ", heads)}) raises the loss on the second copy by at least {Number(setEffect.Lower)} nats on a batch that did not choose them (selection batches: {F(setEffect.Mean)}; on the first copy, where there is nothing earlier to copy, {F(a.SetControl)}).",
            "ablation", heads, Ablation("effect"), setEffect, $"first copy {F(a.SetControl)}", ClaimComparison.AtLeast, setEffect.Lower);

        if (n > 1)
        {
            for (var i = 0; i < n; i++)
            {
                var single = a.Singles[i];
                Add($"ablation-{heads[i]}-alone",
                    $"Zero-ablating {heads[i]} alone changes the loss on the second copy by between {Number(single.Lower)} and {Number(single.Upper)} nats on a batch that did not choose it (selection batches: {F(single.Mean)}; on the first copy {F(a.SinglesControl[i])}; all {n} together: {F(setEffect.Mean)}).",
                    "ablation", [heads[i]], Ablation("effect"), single, $"first copy {F(a.SinglesControl[i])}; all {n} together {F(setEffect.Mean)}",
                    ClaimComparison.Between, single.Lower, single.Upper);
            }
            var largest = a.LargestShare;
            var biggest = heads[Array.IndexOf([.. a.Singles.Select(s => s.Mean)], a.Singles.Max(s => s.Mean))];
            Add("largest-single-share",
                $"{(largest.Upper < 0.5 ? $"No layer-{last} head carries induction on its own: a" : "A")}blating any one of the {n} alone costs at most {Number(largest.Upper)} of what ablating all {n} together costs (selection batches: {F(largest.Mean)}, for {biggest}; a single head that carried the function would give about 1, an even split without overlap 1/{n}).",
                "ablation", heads, Ablation("largest_single_share"), largest, $"one head carrying it: about 1; an even split: {F(1.0 / n)}", ClaimComparison.AtMost, largest.Upper);
            var sum = a.SumShare;
            Add("sum-of-singles-share",
                $"{(sum.Upper < 1 ? $"The layer-{last} induction heads back each other up: a" : "A")}blated one at a time, their costs add up to at most {Number(sum.Upper)} of the cost of ablating all {n} together (selection batches: {F(sum.Mean)}; heads that each did a separate share of the work would add up to about 1).",
                "ablation", heads, Ablation("sum_of_singles_share"), sum, "separate, non-overlapping parts: about 1", ClaimComparison.AtMost, sum.Upper);
        }

        var l0 = a.LayerZeroSingles[a.PreviousHead];
        var others = Enumerable.Range(0, config.n_heads).Where(h => h != a.PreviousHead).Select(h => $"{Head(0, h)} {F(a.LayerZeroSingles[h].Mean)}");
        Add($"ablation-{prev}-alone",
            $"{(n > 1 ? $"All {n} induction heads read one previous-token head: z" : "Z")}ero-ablating {prev} alone raises the loss on the second copy by at least {Number(l0.Lower)} nats on a batch that did not choose it (selection batches: {F(l0.Mean)}; the other layer-0 heads alone: {string.Join(", ", others)}).",
            "ablation", [prev], Ablation("effect"), l0, $"other layer-0 heads alone ≤ {F(Enumerable.Range(0, config.n_heads).Where(h => h != a.PreviousHead).Max(h => a.LayerZeroSingles[h].Mean))}",
            ClaimComparison.AtLeast, l0.Lower);
        return claims;
    }

    /// <summary>Every claim run by the worker's own method on the files as written, judged by the worker's rule.</summary>
    private static List<InductionCheck> Check(List<InductionClaim> claims, HookedTransformer model, string modelPath)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(modelPath)));
        IEvidenceMethod[] methods = [new HeadScoreMethods(), new WeightMethods(), new LossMethods()];
        return [.. claims.Select(c =>
        {
            var spec = ClaimMethods.Parse(c.Claim.Method, c.Claim.Targets, c.Claim.Parameters);
            var value = methods.First(m => m.Names.Contains(c.Claim.Method)).Run(new EvidenceContext(spec, modelPath, sha, model)).Headline;
            var verdict = new ClaimExpectation(c.Claim.Comparison, c.Claim.Expected, c.Claim.ExpectedUpper, c.Claim.Tolerance).Judge(value);
            return new InductionCheck(c, value, verdict);
        })];
    }

    internal static string Head(int layer, int head) => $"L{layer}H{head}";

    /// <summary>A threshold as claims print it: the rounded value, no trailing zeros.</summary>
    internal static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>A claim, the selection prediction it states (null for a weight-only claim, which has no sampling error), and the
/// control or baseline its number is to be read against.</summary>
public sealed record InductionClaim(BundleClaim Claim, InductionPrediction? Prediction, string Control);

/// <summary>What the claim's own method measured on the claim batch, and the verdict the worker's rule gives it.</summary>
public sealed record InductionCheck(InductionClaim Claim, double HeldOut, Archive.Data.Evidence.EvidenceVerdict Verdict);

/// <summary>What the writeup and the summary are written from.</summary>
public sealed record InductionFacts(InductionSpecimen Recipe, HookedTransformerConfig Config, double FinalLoss, InductionAnalysis Analysis,
    IReadOnlyList<InductionCheck> Checks);
