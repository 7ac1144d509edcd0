using System.Globalization;
using System.Text;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Engine.Methods;
using Archive.Engine.Models;
using Archive.Engine.Training;
using Archive.Engine.Transformer;
using Archive.Formats.Charts;
using Archive.Specimens.Import;

namespace Archive.Specimens.Build;

/// <summary>
/// Induction heads in a two-layer attention-only transformer (Elhage et al. 2021; Olsson et al. 2022), trained here from
/// a seed on sequences that repeat a random block. The evidence picks the heads, the claims state what was found with
/// margins, and the worker re-checks every claim from the stored model.
/// </summary>
public sealed class InductionSpecimen : ISpecimenRecipe
{
    public string Slug => "induction-heads-2l-attn-only";

    /// <summary>The training recipe.</summary>
    public InductionTrainingOptions Options { get; init; } = new() { Seed = 1 };


    /// <summary>The evaluation input every claim uses: BOS + r + r, r uniform over the vocabulary (section 3).</summary>
    public int EvaluationBatch { get; init; } = 32;
    public long EvaluationSeed { get; init; } = 12345;

    public void Build(string bundleFolder, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        var trained = InductionTraining.Train(Options, progress, cancellationToken: ct);
        using var model = trained.Model;
        var config = model.Config;
        ModelFile.Save(Path.Combine(bundleFolder, "model.safetensors"), config, model.StateDict(),
            new Dictionary<string, string> { ["training"] = JsonSerializer.Serialize(Options) });

        int L = Options.RepeatLength;
        int? bos = Options.Bos;
        var inputs = RepeatedTokens.Generate(EvaluationBatch, L, config.d_vocab, EvaluationSeed, bos);
        var scores = HeadScores.Run(model, inputs);
        var (prevHead, prevScore) = Best(scores.PreviousToken[0]);
        var (indHead, indScore) = Best(scores.Induction[config.n_layers - 1]);
        int lastLayer = config.n_layers - 1;
        var kComposition = WeightScores.CompositionScores(model, CompositionKind.K).Scores;
        var kRow = Enumerable.Range(0, config.n_heads).Select(h => kComposition[0][h][lastLayer][indHead]).ToArray();
        var kScore = kRow[prevHead];
        var copying = WeightScores.CopyingScores(model).Full[lastLayer][indHead];
        var icl = LossScores.InContextLearning(model, inputs);
        // Every clear induction head of the last layer (the best one at least): ablating only one of several undersells them.
        var inductionHeads = Enumerable.Range(0, config.n_heads).Where(h => h == indHead || scores.Induction[lastLayer][h] >= Math.Max(0.3, indScore / 2)).ToList();
        var ablated = inductionHeads.Select(h => Component.Head(lastLayer, h)).ToList();
        var secondCopy = MetricSpec.LossOver(inputs.PrefixLength + L - 1, inputs.PrefixLength + 2 * L - 1);
        var ablation = Interventions.Ablate(model, inputs.Tokens, ablated, AblationKind.Zero, secondCopy, perComponent: ablated.Count > 1);
        var patterns = AttentionPatterns.Run(model, inputs.Tokens[0]);

        var evaluation = new { seed = EvaluationSeed, batch = EvaluationBatch, seq_len = L, bos };
        string prev = $"L0H{prevHead}", ind = $"L{lastLayer}H{indHead}";
        var ablatedTargets = ablated.Select(c => c.Label).ToList();
        var claims = new List<BundleClaim>
        {
            HeadClaim("previous-token-head", $"Head {prevHead} of layer 0 is a previous-token head: previous-token score ≥ {Threshold(prevScore)}", "previous_token_score", [prev], evaluation, Threshold(prevScore)),
            HeadClaim("induction-head", $"Head {indHead} of layer {lastLayer} is an induction head: induction score ≥ {Threshold(indScore)}", "induction_score", [ind], evaluation, Threshold(indScore)),
            new BundleClaim
            {
                Key = "k-composition", Method = "k_composition", Targets = [prev, ind],
                Statement = $"The induction head reads the previous-token head through its keys: K-composition of {prev} into {ind} ≥ {Threshold(kScore, 0.02, 0.01)}",
                Comparison = ClaimComparison.AtLeast, Expected = Threshold(kScore, 0.02, 0.01), Tolerance = 0,
            },
            new BundleClaim
            {
                Key = "in-context-learning", Method = "icl_score", Targets = [], Parameters = JsonSerializer.SerializeToElement(evaluation),
                Statement = $"The model learns in context: loss on the second copy of a random block is at least {Threshold(icl.Score, 0.25, 0.25)} nats lower than on the first",
                Comparison = ClaimComparison.AtLeast, Expected = Threshold(icl.Score, 0.25, 0.25), Tolerance = 0.01,
            },
            new BundleClaim
            {
                Key = "induction-ablation", Method = "ablation", Targets = ablatedTargets,
                Parameters = JsonSerializer.SerializeToElement(new { evaluation.seed, evaluation.batch, evaluation.seq_len, evaluation.bos, ablation = "zero", metric = "loss_second_copy" }),
                Statement = $"Zero-ablating the induction head{(ablated.Count > 1 ? "s" : "")} ({string.Join(", ", ablatedTargets)}) raises the loss on the repeated half by ≥ {Threshold(ablation.Effect, 0.25, 0.25)} nats",
                Comparison = ClaimComparison.AtLeast, Expected = Threshold(ablation.Effect, 0.25, 0.25), Tolerance = 0.01,
            },
        };

        var circuit = new CircuitDocument("induction-circuit", "Previous-token head → induction head",
            "Layer 0 writes the previous token into each position; the induction head's keys read it (K-composition), so it attends to the token after an earlier copy of the current token and copies it to the output.",
            null, null,
            [
                new CircuitNodeDocument("embed", "embed", null, null, null, null, "Token embedding", "W_E: the current token.", null, null, null),
                new CircuitNodeDocument("pos_embed", "pos_embed", null, null, null, null, "Positional embedding", "W_pos: lets layer 0 find the previous position.", null, null, null),
                new CircuitNodeDocument(prev, "attn_head", 0, prevHead, null, null, $"Previous-token head {prevHead}", $"Previous-token score {BundleWriter.Format(prevScore)}.", null, null, null),
                new CircuitNodeDocument(ind, "attn_head", lastLayer, indHead, null, null, $"Induction head {lastLayer}.{indHead}", $"Induction score {BundleWriter.Format(indScore)}; copying score {BundleWriter.Format(copying)}.", null, null, null),
                new CircuitNodeDocument("logits", "logit", null, null, null, null, "Logits", "Next-token prediction.", null, null, null),
            ],
            [
                new CircuitEdgeDocument("pos_embed", prev, 1, "q"),
                new CircuitEdgeDocument("embed", prev, 1, "v"),
                new CircuitEdgeDocument(prev, ind, kScore, "k"),
                new CircuitEdgeDocument("embed", ind, 1, "q"),
                new CircuitEdgeDocument(ind, "logits", copying, "o"),
            ]);

        var manifest = new BundleManifest
        {
            Slug = Slug,
            Title = "Induction heads in a two-layer attention-only transformer",
            Summary = $"A two-layer attention-only transformer trained from seed {Options.Seed} to continue repeated random sequences forms the textbook two-head induction circuit: a previous-token head in layer 0 (score {BundleWriter.Format(prevScore)}) whose output the layer-{lastLayer} induction head (score {BundleWriter.Format(indScore)}) reads through K-composition. Ablating it costs {BundleWriter.Format(ablation.Effect)} nats on the repeated half.",
            Behaviour = "in-context copying of repeated token sequences",
            Tags = ["induction", "attention", "in-context-learning", "toy-model"],
            Techniques = ["attention-patterns", "head-scores", "composition-scores", "ablation"],
            Authors = ["Specimen Archive"],
            Featured = true,
            RevisionMessage = "Built by archive-specimens build from seed " + Options.Seed.ToString(CultureInfo.InvariantCulture),
            Model = new BundleModel
            {
                Slug = "attn-only-2l-induction",
                Name = $"Attention-only transformer, {config.n_layers} layers × {config.n_heads} heads, d_model {config.d_model}",
                Architecture = "attn-only",
                Description = $"Attention-only, {config.n_layers} layers, {config.n_heads} heads of d_head {config.d_head}, vocabulary of {config.d_vocab} abstract tokens, context {config.n_ctx}, normalization {config.normalization_type ?? "none"}.",
                TrainingNotes = $"{Options.Steps} AdamW steps (lr {Options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {Options.BatchSize}) on sequences that repeat a random block; seed {Options.Seed}. Final training loss {BundleWriter.Format(trained.FinalLoss)}.",
            },
            Circuits = [circuit],
            Claims = claims,
        };

        var md = new StringBuilder();
        md.AppendLine("## Question");
        md.AppendLine();
        md.AppendLine("Induction heads are the mechanism Elhage et al. (2021) found behind in-context copying in small attention-only transformers, and that Olsson et al. (2022) argued drives much of in-context learning in large ones: on a sequence `… A B … A`, a head in a later layer attends from the second `A` to the `B` that followed the first, and predicts `B`. It needs two heads working together: a *previous-token head* that writes \"the token before me was `A`\" into each position, and the *induction head*, whose keys read that (K-composition). Does a two-layer model trained only to continue repeated random sequences build exactly this circuit, and can we show it with numbers anyone can recompute?");
        md.AppendLine();
        md.AppendLine("## Model and training");
        md.AppendLine();
        md.AppendLine($"An attention-only transformer with {config.n_layers} layers of {config.n_heads} heads (d_model {config.d_model}, d_head {config.d_head}, normalization {config.normalization_type ?? "none"}), vocabulary of {config.d_vocab} abstract tokens, trained for {Options.Steps} AdamW steps (learning rate {Options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {Options.BatchSize}) from seed {Options.Seed}. Training sequences contain a block of random tokens that repeats later in the sequence (the exact generator is recorded in the model file's metadata); the final training loss was {BundleWriter.Format(trained.FinalLoss)} nats.");
        md.AppendLine();
        md.AppendLine("## Evidence");
        md.AppendLine();
        md.AppendLine($"All numbers below use one input, recorded in every evidence run: {EvaluationBatch} sequences of a BOS token followed by a random block $r$ of $L = {L}$ tokens repeated once ($n = 1 + 2L$), drawn with SplitMix64 seed {EvaluationSeed}. With pattern $A$ of a head, the scores are exact-index means (section 3 of the evidence methods):");
        md.AppendLine();
        md.AppendLine("$$\\text{induction} = \\frac{1}{L}\\sum_{d=p+L}^{p+2L-1} A[d, d-L+1], \\qquad \\text{previous-token} = \\frac{1}{n-1}\\sum_{d=1}^{n-1} A[d, d-1].$$");
        md.AppendLine();
        md.AppendLine(SvgCharts.MarkdownImage("Previous-token score per head", SvgCharts.Heatmap(scores.PreviousToken, "Previous-token score", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        md.AppendLine(SvgCharts.MarkdownImage("Induction score per head", SvgCharts.Heatmap(scores.Induction, "Induction score", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        md.AppendLine();
        md.AppendLine($"- **Previous-token head:** {prev} scores {BundleWriter.Format(prevScore)}; the other layer-0 heads score at most {BundleWriter.Format(scores.PreviousToken[0].Where((_, h) => h != prevHead).DefaultIfEmpty(0).Max())}.");
        md.AppendLine($"- **Induction head:** {ind} scores {BundleWriter.Format(indScore)}; the best layer-0 head scores {BundleWriter.Format(scores.Induction[0].Max())} (a layer-0 head cannot implement induction alone: it has no previous-token information to key on).");
        md.AppendLine($"- **K-composition** of each layer-0 head into {ind} (weights only, $\\lVert W_{{OV}} W_{{QK}}^{{\\top}}\\rVert_F / \\lVert W_{{OV}}\\rVert_F \\lVert W_{{QK}}\\rVert_F$, TransformerLens's order): {string.Join(", ", kRow.Select((v, h) => $"H{h} {BundleWriter.Format(v)}"))}. The previous-token head's is the largest: {(kRow.Max() == kScore ? "yes" : "no")}.");
        md.AppendLine($"- **Copying:** the OV circuit of {ind}, through the embedding and unembedding, has copying score {BundleWriter.Format(copying)} (positive eigenvalues dominate: it raises the logit of the token it attends to).");
        md.AppendLine($"- **In-context learning:** mean loss {BundleWriter.Format(icl.FirstCopyLoss)} nats on the first copy, {BundleWriter.Format(icl.SecondCopyLoss)} on the second: a score of {BundleWriter.Format(icl.Score)} nats.");
        md.AppendLine($"- **Ablation:** zero-ablating {string.Join(", ", ablatedTargets)} raises the loss on the second copy from {BundleWriter.Format(ablation.CleanMetric)} to {BundleWriter.Format(ablation.AblatedMetric)} nats (+{BundleWriter.Format(ablation.Effect)}).");
        md.AppendLine();
        md.AppendLine(SvgCharts.MarkdownImage("Loss by position", SvgCharts.LineChart(icl.LossByPosition, "Loss by position on BOS + r + r", "position (second copy starts at L)", "mean loss (nats)", medium: ChartMedium.Image)));
        md.AppendLine();
        var pattern = patterns.Patterns[lastLayer][indHead];
        md.AppendLine(SvgCharts.MarkdownImage("Attention pattern of the induction head",
            SvgCharts.Heatmap([.. pattern.Select(r => Array.ConvertAll(r, v => (double)v))], $"Attention pattern of {ind} on sequence 0", "destination position", "source position", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        md.AppendLine();
        md.AppendLine($"The induction head's pattern shows the signature stripe: from each position in the second copy it attends {L - 1} positions back, to the token after the earlier occurrence.");
        md.AppendLine();
        md.AppendLine("## Caveats");
        md.AppendLine();
        md.AppendLine("- Random tokens from a small vocabulary are the easiest setting: in natural text, induction competes with other heuristics, and heads are less clean.");
        md.AppendLine("- The scores use one evaluation batch; the claims leave margins so that a model re-trained on another machine (weights differ in the last bits) still passes, while the archive re-checks them against this exact file.");
        md.AppendLine("- Zero-ablation takes the model off its training distribution; mean-ablation (also available to claims) is gentler.");
        md.AppendLine();
        md.AppendLine("## References");
        md.AppendLine();
        md.AppendLine("- Elhage, N., Nanda, N., Olsson, C., et al. (2021). *A Mathematical Framework for Transformer Circuits*. Transformer Circuits Thread.");
        md.AppendLine("- Olsson, C., Elhage, N., Nanda, N., et al. (2022). *In-context Learning and Induction Heads*. Transformer Circuits Thread.");
        BundleWriter.Write(bundleFolder, manifest, md.ToString());
    }

    private static BundleClaim HeadClaim(string key, string statement, string method, List<string> targets, object evaluation, double threshold) => new()
    {
        Key = key, Statement = statement, Method = method, Targets = targets, Parameters = JsonSerializer.SerializeToElement(evaluation),
        Comparison = ClaimComparison.AtLeast, Expected = threshold, Tolerance = 0.01,
    };

    /// <summary>Margin below the measured value, so a re-trained model on another machine still passes.</summary>
    private static double Threshold(double measured, double margin = 0.1, double step = 0.05) => BundleWriter.ThresholdBelow(measured, margin, step);

    private static (int Index, double Value) Best(double[] values)
    {
        var index = Array.IndexOf(values, values.Max());
        return (index, values[index]);
    }
}
