using System.Globalization;
using System.Text;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Formats.Charts;

namespace Archive.Specimens.Build;

/// <summary>The induction specimen's summary and writeup, every number read from <see cref="InductionFacts"/>.</summary>
public static class InductionWriteup
{
    private static string F(double v) => BundleWriter.Format(v);

    private static string N(double v) => InductionSpecimen.Number(v);

    public static string Summary(InductionFacts x)
    {
        var a = x.Analysis;
        var prev = InductionSpecimen.Head(0, a.PreviousHead);
        var heads = a.InductionHeads.Select(h => InductionSpecimen.Head(a.LastLayer, h)).ToList();
        var k = a.InductionHeads.Select(h => a.KComposition[a.PreviousHead][h]).ToList();
        var start = $"A two-layer attention-only transformer trained from seed {x.Recipe.Options.Seed} to continue repeated random sequences";
        if (heads.Count == 1)
            return $"{start} forms a two-head induction circuit: the previous-token head {prev} (score {F(a.PreviousScore.Mean)}) and the induction head {heads[0]} (score {F(a.InductionScores[a.InductionHeads[0]].Mean)}), which reads it through K-composition ({F(k[0])}; random 99th percentile {F(a.Baseline.Quantile(0.99))}). Ablating {heads[0]} costs {F(a.SetEffect.Mean)} nats on the repeated half.";
        var scores = string.Join(", ", a.InductionHeads.Select(h => F(a.InductionScores[h].Mean)));
        var backup = a.SumShare.Upper < 1 ? ": they back each other up" : "";
        return $"{start} spreads induction over all {heads.Count} heads of layer {a.LastLayer} ({string.Join(", ", heads)}: induction scores {scores}), each reading the one previous-token head {prev} (score {F(a.PreviousScore.Mean)}) through K-composition ({F(k.Min())}–{F(k.Max())}, against a 99th percentile of {F(a.Baseline.Quantile(0.99))} for random matrices of the same shapes). Ablating any one of them alone costs at most {F(a.Singles.Max(s => s.Mean))} nats on the repeated half and all {heads.Count} together {F(a.SetEffect.Mean)}{backup}; ablating {prev} alone costs {F(a.LayerZeroSingles[a.PreviousHead].Mean)}.";
    }

    public static string Markdown(InductionFacts x)
    {
        var (r, c, a) = (x.Recipe, x.Config, x.Analysis);
        int last = a.LastLayer, L = r.Options.RepeatLength, n = a.InductionHeads.Count;
        var prev = InductionSpecimen.Head(0, a.PreviousHead);
        var heads = a.InductionHeads.Select(h => InductionSpecimen.Head(last, h)).ToList();
        var seeds = r.SelectionSeeds.ToList();
        var md = new StringBuilder();
        void P(string line = "") => md.AppendLine(line);

        P("## Question");
        P();
        P("Induction heads are the mechanism Elhage et al. (2021) found behind in-context copying in small attention-only transformers, and that Olsson et al. (2022) argued drives much of in-context learning in large ones: on a sequence `… A B … A`, a head in a later layer attends from the second `A` to the `B` that followed the first, and predicts `B`. It needs two kinds of head: a *previous-token head* that writes \"the token before me was `A`\" into each position, and an *induction head* whose keys read that (K-composition). The textbook picture is one head of each kind. How does a two-layer model trained only to continue repeated random sequences divide the work, and can we show it with numbers anyone can recompute?");
        P();
        P("## Model and training");
        P();
        P($"An attention-only transformer with {c.n_layers} layers of {c.n_heads} heads (d_model {c.d_model}, d_head {c.d_head}, normalization {c.normalization_type ?? "none"}), vocabulary of {c.d_vocab} abstract tokens, trained for {r.Options.Steps} AdamW steps (learning rate {r.Options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {r.Options.BatchSize}) from seed {r.Options.Seed}. Training sequences contain a block of random tokens that repeats later in the sequence (the exact generator is recorded in the model file's metadata); the final training loss was {F(x.FinalLoss)} nats.");
        P();
        P("## How the claims were made");
        P();
        P($"Every input is a batch of {r.Batch} sequences of a BOS token followed by a random block $r$ of $L = {L}$ tokens repeated once ($n = 1 + 2L$), drawn with SplitMix64 from a recorded seed. Two sets of seeds play two roles:");
        P();
        P($"- **Selection:** {seeds.Count} batches (seeds {seeds[0]}–{seeds[^1]}) chose the heads and fixed what each claim predicts. Every number in this writeup, the summary and the diagram is a mean over them.");
        P($"- **Claims:** every claim is checked on one more batch, seed {r.ClaimSeed}, which played no part in choosing anything. The worker re-runs each claim on that batch from the stored model file; the table at the end gives what it found.");
        P();
        P($"**Margins.** A number measured on a batch varies from batch to batch. Each claim about such a number predicts the range one more batch should fall in: the prediction interval of a normal sample of the {seeds.Count} selection values, $\\bar{{x}} \\pm t_{{0.999,\\,{seeds.Count - 1}}}\\, s \\sqrt{{1 + 1/{seeds.Count}}}$ with $t_{{0.999,\\,{seeds.Count - 1}}} = {N(a.Icl.T)}$, rounded outward to {N(InductionPrediction.Step)}. A fresh batch falls outside it on a given side with probability 0.1%, so a refutation means the number is not what the selection said, not bad luck. The margin is the spread the batches themselves showed, which is why it differs from claim to claim. Claims about a single number use the lower end (*at least*); the per-head ablations state both ends; the shares the upper end (*at most*).");
        P();
        P($"**Random baseline for composition.** Random matrices already compose a little: for Gaussian $W_V, W_O, W_Q, W_K$ of this model's shapes the K-composition score is about $1/\\sqrt{{d_\\text{{model}}}}$. Each composition record therefore also holds the score of {r.BaselineSamples} pairs of Gaussian matrices of the same shapes (drawn with SplitMix64 from a recorded seed, the rule written out in the record), and a K-composition claim says the trained pair beats at least {N(InductionSpecimen.CompositionRank * 100)}% of them: above the baseline's 99th percentile, a one-sided test at the 1% level. This writeup's baseline uses seed {r.SelectionBaselineSeed}; the claims draw their own with seed {r.ClaimBaselineSeed}. The score has no sampling error (it reads weights only), so there is no other margin.");
        P();
        P("## Evidence");
        P();
        P("### Which heads attend like induction heads");
        P();
        P("With pattern $A$ of a head, the scores are exact-index means over the batch (section 3 of the evidence methods):");
        P();
        P("$$\\text{induction} = \\frac{1}{L}\\sum_{d=p+L}^{p+2L-1} A[d, d-L+1], \\qquad \\text{previous-token} = \\frac{1}{n-1}\\sum_{d=1}^{n-1} A[d, d-1].$$");
        P();
        P($"A head spreading its attention evenly over the positions it may see would score {F(a.Chance.Induction)} (induction) and {F(a.Chance.PreviousToken)} (previous-token); every head-score record stores these chance levels beside the scores.");
        P();
        P(SvgCharts.MarkdownImage("Previous-token score per head", SvgCharts.Heatmap(a.PreviousToken, "Previous-token score (mean of the selection batches)", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        P(SvgCharts.MarkdownImage("Induction score per head", SvgCharts.Heatmap(a.Induction, "Induction score (mean of the selection batches)", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        P();
        P($"Layer 0 has one previous-token head, {prev} ({F(a.PreviousScore.Mean)}); its other heads score {string.Join(", ", Enumerable.Range(0, c.n_heads).Where(h => h != a.PreviousHead).Select(h => $"{InductionSpecimen.Head(0, h)} {F(a.PreviousToken[0][h])}"))}. No layer-0 head attends like an induction head (at most {F(a.Induction[0].Max())}): without previous-token information to key on it cannot. In layer {last}, {(n == c.n_heads ? "every head" : $"{n} of the {c.n_heads} heads")} passes the selection rule (induction score at least {N(InductionSpecimen.MinInductionScore)} and at least half the best head's): {string.Join(", ", a.InductionHeads.Select(h => $"{InductionSpecimen.Head(last, h)} {F(a.InductionScores[h].Mean)}"))}.");
        P();
        P(SvgCharts.MarkdownImage("Induction stripe of each induction head", SvgCharts.Heatmap(a.Stripes, $"A[d, d−L+1] per induction head, seed {seeds[0]} (rows: {string.Join(", ", heads)})", "head", "position in the second copy", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        P();
        P($"Each row is one induction head's attention to the token after the earlier occurrence, at each position of the second copy, averaged over the batch: the induction score is its mean. {InductionSpecimen.Head(last, a.BestHead)}'s whole pattern on one sequence shows the stripe {L - 1} positions back:");
        P();
        P(SvgCharts.MarkdownImage("Attention pattern of the best induction head",
            SvgCharts.Heatmap([.. a.BestPattern.Select(row => Array.ConvertAll(row, v => (double)v))], $"Attention pattern of {InductionSpecimen.Head(last, a.BestHead)} on sequence 0 of seed {seeds[0]}", "destination position", "source position", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        P();
        P("### Who reads the previous-token head");
        P();
        P("K-composition asks how much of what an earlier head writes a later head's keys can read. TransformerLens computes it (`all_composition_scores(\"K\")`) from the weights alone, with $W_{OV} = W_V W_O$ and $W_{QK} = W_Q W_K^{\\top}$ (row-vector convention, $d_\\text{model} \\times d_\\text{model}$) in this order:");
        P();
        P("$$\\text{K-comp}(h_1 \\to h_2) = \\frac{\\lVert W_{OV}^{h_1}\\,(W_{QK}^{h_2})^{\\top}\\rVert_F}{\\lVert W_{OV}^{h_1}\\rVert_F\\;\\lVert (W_{QK}^{h_2})^{\\top}\\rVert_F}.$$");
        P();
        var layerZeroToLast = a.KComposition;
        P(SvgCharts.MarkdownImage("K-composition from layer 0 into layer 1", SvgCharts.Heatmap(layerZeroToLast, $"K-composition, layer-0 head (row) into layer-{last} head (column)", "layer-0 head", $"layer-{last} head", ColourScale.Sequential(0, layerZeroToLast.SelectMany(v => v).Max()), ChartMedium.Image)));
        P(SvgCharts.MarkdownImage("K-composition of the previous-token head against random matrices",
            SvgCharts.Bars([.. heads.Select(h => $"{prev}→{h}")], [.. a.InductionHeads.Select(h => a.KComposition[a.PreviousHead][h])],
                $"K-composition of {prev} into each induction head", "score", new ReferenceLine(a.Baseline.Quantile(0.99), $"random 99th percentile {F(a.Baseline.Quantile(0.99))}"), ChartMedium.Image)));
        P();
        var kRow = a.InductionHeads.Select(h => a.KComposition[a.PreviousHead][h]).ToList();
        var columnBest = a.InductionHeads.All(h => Enumerable.Range(0, c.n_heads).All(g => a.KComposition[g][h] <= a.KComposition[a.PreviousHead][h]));
        P($"The {r.BaselineSamples} random pairs score {F(a.Baseline.Mean)} on average (sd {F(a.Baseline.StandardDeviation)}; 95th percentile {F(a.Baseline.Quantile(0.95))}, 99th {F(a.Baseline.Quantile(0.99))}, largest {F(a.Baseline.Scores.Max())}). {prev} composes with {(n > 1 ? $"every one of the {n} induction heads" : "the induction head")} above all of them: {string.Join(", ", a.InductionHeads.Select(h => $"{InductionSpecimen.Head(last, h)} {F(a.KComposition[a.PreviousHead][h])} (rank {N(a.Baseline.RankOf(a.KComposition[a.PreviousHead][h]))})"))}. {(columnBest ? $"For each induction head, {prev} is also the layer-0 head its keys read most. " : "")}{(n > 1 && kRow.Max() < 1.5 * kRow.Min() ? $"The scores of the {n} pairs lie close together ({F(kRow.Min())}–{F(kRow.Max())}): the weights single out no one reader. " : "")}Trained weights are not Gaussian (their effective rank is lower), which by itself moves scores away from the baseline: the within-model comparison (the heatmap's columns, each induction head against every layer-0 head) is the stricter control.");
        P();
        P("### What each head's loss costs");
        P();
        P($"Zero-ablation sets a head's output $z$ to 0 and measures the mean loss over the positions whose next token lies in the second copy (section 4); the effect is ablated minus clean. The control is the same ablation measured on the first copy, where there is nothing earlier to copy from, so an effect specific to induction shows on the second copy and not the first. The clean second-copy loss is {F(a.SecondCopyLoss)} nats.");
        P();
        P("| head | induction score | K-comp. from " + prev + " | copying score | ablated alone: second copy | ablated alone: first copy (control) |");
        P("|---|---|---|---|---|---|");
        for (var i = 0; i < n; i++)
        {
            var h = a.InductionHeads[i];
            P($"| {heads[i]} | {F(a.InductionScores[h].Mean)} | {F(a.KComposition[a.PreviousHead][h])} | {F(a.Copying[h])} | {F(a.Singles[i].Mean)} | {F(a.SinglesControl[i])} |");
        }
        P($"| all {n} together | | | | **{F(a.SetEffect.Mean)}** | {F(a.SetControl)} |");
        P();
        P(SvgCharts.MarkdownImage("Loss increase from zero-ablating induction heads",
            SvgCharts.Bars([.. heads.Select(h => $"{h} alone"), $"all {n} together", $"{prev} alone"], [.. a.Singles.Select(s => s.Mean), a.SetEffect.Mean, a.LayerZeroSingles[a.PreviousHead].Mean],
                "Loss increase on the second copy (nats)", "nats", null, ChartMedium.Image)));
        P();
        if (n > 1)
        {
            var bestSingle = a.Singles[a.InductionHeads.ToList().IndexOf(a.BestHead)].Mean;
            P($"Alone, each induction head costs little next to the set: the largest single cost is {F(a.Singles.Max(s => s.Mean))} nats, a share of {F(a.LargestShare.Mean)} of the set's {F(a.SetEffect.Mean)}, and {(a.Singles.Any(s => s.Mean < 0) ? $"ablating {string.Join(", ", heads.Where((_, i) => a.Singles[i].Mean < 0))} alone even lowers the loss slightly. " : "")}The singles add up to {F(a.SumShare.Mean)} of the joint effect{(a.SumShare.Mean < 1 ? ": the heads back each other up, each covering for whichever is removed, so that only removing all of them shows what they do together" : "")}. This is the pattern Wang et al. (2022) called backup heads and McGrath et al. (2023) the Hydra effect; here it means that no one head's ablation measures the function. {(bestSingle > 0 ? $"Crediting the joint effect to the head with the highest induction score, {InductionSpecimen.Head(last, a.BestHead)}, as an earlier version of this specimen did, overstates what removing it alone does {F(a.SetEffect.Mean / bestSingle)}-fold. " : "")}The function is the set's.");
            P();
        }
        var l0 = a.LayerZeroSingles;
        P($"{(n > 1 ? "The first layer is the opposite: a" : "A")}blating {prev} alone costs {F(l0[a.PreviousHead].Mean)} nats, {F(l0[a.PreviousHead].Mean / a.SetEffect.Mean)} of what ablating the induction heads costs{(n > 1 ? ", because every induction head keys on what it writes" : "")}. The other layer-0 heads alone cost {string.Join(", ", Enumerable.Range(0, c.n_heads).Where(h => h != a.PreviousHead).Select(h => $"{InductionSpecimen.Head(0, h)} {F(l0[h].Mean)}"))}; a cost without a previous-token pattern or composition above the baseline is not evidence of a role in this circuit (zero-ablation also removes whatever else a head writes, such as a constant offset).");
        P();
        P("### In-context learning");
        P();
        P($"Mean loss {F(a.FirstCopyLoss)} nats on the first copy (a uniform guess costs ln {c.d_vocab} = {F(Math.Log(c.d_vocab))}), {F(a.SecondCopyLoss)} on the second: an in-context-learning score of {F(a.Icl.Mean)} nats.");
        P();
        P(SvgCharts.MarkdownImage("Loss by position", SvgCharts.LineChart(a.LossByPosition, $"Loss by position on BOS + r + r, seed {seeds[0]}", "position (second copy starts at L)", "mean loss (nats)", medium: ChartMedium.Image)));
        P();
        P("## Claims and what the held-out batch gave");
        P();
        P($"Each claim's prediction is the selection mean with its margin; the held-out value is the claim's own evidence method run on seed {r.ClaimSeed} (K-composition claims: baseline seed {r.ClaimBaselineSeed}), as the worker runs it.");
        P();
        P("| claim | selection mean ± margin | claim | held-out value | verdict | control or baseline |");
        P("|---|---|---|---|---|---|");
        foreach (var check in x.Checks)
        {
            var claim = check.Claim.Claim;
            var prediction = check.Claim.Prediction is { } pr ? $"{F(pr.Mean)} ± {F(pr.Margin)}" : "weights only";
            P($"| `{claim.Key}` | {prediction} | {Expectation(claim.Comparison, claim.Expected, claim.ExpectedUpper)} | {F(check.HeldOut)} | {(check.Verdict == EvidenceVerdict.Supported ? "supported" : check.Verdict.ToString().ToLowerInvariant())} | {check.Claim.Control} |");
        }
        P();
        P("## Caveats");
        P();
        P("- Random tokens from a small vocabulary are the easiest setting: in natural text, induction competes with other heuristics, and heads are less clean.");
        P("- Zero-ablation takes the model off its training distribution (the first-copy control shows by how much for the whole set); mean-ablation, also available to claims, is gentler. How much each head's single cost is a real contribution, and how much the others' compensation hides, ablation alone cannot say.");
        P("- The composition baseline draws Gaussian matrices; trained weights have lower effective rank, which raises scores by itself. The baseline rules out \"any matrices of these shapes would compose this much\", not every null model.");
        P("- The margins cover batch-to-batch sampling on this model file. A model re-trained on other hardware (weights differing in the last bits) is a different file, whose own build writes its own claims.");
        P();
        P("## References");
        P();
        P("- Elhage, N., Nanda, N., Olsson, C., et al. (2021). *A Mathematical Framework for Transformer Circuits*. Transformer Circuits Thread.");
        P("- Olsson, C., Elhage, N., Nanda, N., et al. (2022). *In-context Learning and Induction Heads*. Transformer Circuits Thread.");
        P("- Wang, K., Variengien, A., Conmy, A., Shlegeris, B., Steinhardt, J. (2022). *Interpretability in the Wild: a Circuit for Indirect Object Identification in GPT-2 small*. arXiv:2211.00593.");
        P("- McGrath, T., Rahtz, M., Kramár, J., Mikulik, V., Legg, S. (2023). *The Hydra Effect: Emergent Self-repair in Language Model Computations*. arXiv:2307.15771.");
        return md.ToString();
    }

    private static string Expectation(ClaimComparison comparison, double expected, double? upper) => comparison switch
    {
        ClaimComparison.AtLeast => $"≥ {N(expected)}",
        ClaimComparison.AtMost => $"≤ {N(expected)}",
        ClaimComparison.Between => $"in [{N(expected)}, {N(upper ?? expected)}]",
        _ => $"≈ {N(expected)}",
    };
}
