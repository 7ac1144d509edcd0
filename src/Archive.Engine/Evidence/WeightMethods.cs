using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// Weight-based evidence (section 3), needing no input: Q/K/V-composition between an earlier and a later head
/// (targets: the earlier head, then the later one) and copying scores (target: one head; parameter
/// <c>ov_only</c> for the eigenvalues of W_OV alone instead of W_E·W_OV·W_U). A composition record also holds the same
/// score for <c>baseline_samples</c> draws of Gaussian matrices of the model's shapes from <c>baseline_seed</c>
/// (<see cref="CompositionBaseline"/>); <c>measure: "baseline_rank"</c> makes the fraction of draws below the pair the headline.
/// </summary>
public sealed class WeightMethods : IEvidenceMethod
{
    public IReadOnlyCollection<string> Names { get; } = ["q_composition", "k_composition", "v_composition", "copying_score"];

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var model = context.RequireTransformer();
        var claim = context.Claim;
        var targets = ComponentTargets.Resolve(claim.Targets, model.Config);
        if (targets.Any(t => t.Kind != ComponentKind.Head)) throw new InvalidDataException("Weight scores apply to heads only.");

        if (claim.Method == "copying_score")
        {
            if (targets.Count != 1) throw new InvalidDataException("A copying-score claim names exactly one head.");
            var ovOnly = claim.ParametersAs<CopyingParameters>().OvOnly;
            var copying = WeightScores.CopyingScores(model);
            var head = targets[0];
            var scores = ovOnly ? copying.OvOnly : copying.Full;
            return new EvidenceOutcome(
                scores[head.Layer][head.Index!.Value],
                new { ov_only = ovOnly },
                new { weights = "the model file's parameters (no input tokens)" },
                new { copying_score_full = copying.Full, copying_score_ov_only = copying.OvOnly },
                new { score_heatmap = new { title = ovOnly ? "Copying score of W_OV" : "Copying score of W_E·W_OV·W_U", rows = "layer", columns = "head", values = scores } });
        }

        if (targets.Count != 2 || targets[0].Layer >= targets[1].Layer)
        {
            throw new InvalidDataException("A composition claim names an earlier head, then a later head (e.g. L0H3, L1H4).");
        }
        var mode = claim.Method switch { "q_composition" => CompositionKind.Q, "k_composition" => CompositionKind.K, _ => CompositionKind.V };
        var p = claim.ParametersAs<CompositionParameters>();
        var composition = WeightScores.CompositionScores(model, mode);
        var (early, late) = (targets[0], targets[1]);
        var score = composition.Scores[early.Layer][early.Index!.Value][late.Layer][late.Index!.Value];
        // Every later head's score with the earlier head, to set the claimed pair against its alternatives.
        var fromEarly = composition.Scores[early.Layer][early.Index!.Value];
        var baseline = CompositionBaseline.Sample(mode, model.Config.d_model, model.Config.d_head, p.BaselineSeed, p.BaselineSamples);
        var rank = baseline.RankOf(score);
        var (p95, p99) = (baseline.Quantile(0.95), baseline.Quantile(0.99));
        var pair = $"L{early.Layer}H{early.Index}→L{late.Layer}H{late.Index}";
        return new EvidenceOutcome(
            p.Measure == CompositionMeasure.BaselineRank ? rank : score,
            new
            {
                mode = mode.ToString(), measure = p.MeasureName, baseline_seed = p.BaselineSeed, baseline_samples = p.BaselineSamples,
                baseline_generator = CompositionBaseline.Generator,
            },
            new { weights = "the model file's parameters (no input tokens); the baseline's matrices come from baseline_seed" },
            new
            {
                score,
                composition_scores = composition.Scores,
                baseline = new
                {
                    d_model = baseline.DModel, d_head = baseline.DHead,
                    mean = baseline.Mean, sd = baseline.StandardDeviation, p95, p99, max = baseline.Scores.Max(),
                    rank_of_score = rank,
                    quantile_rule = "nearest rank: the ceil(q * N)-th smallest draw",
                    scores = baseline.Scores,
                },
            },
            new
            {
                score_heatmap = new { title = $"{mode}-composition of L{early.Layer}H{early.Index} with each later head", rows = "later layer", columns = "later head", values = fromEarly },
                baseline_comparison = new
                {
                    title = $"{mode}-composition of {pair} against {baseline.Scores.Length} random draws of the same shapes",
                    labels = new[] { pair, "random mean", "random 95th percentile", "random 99th percentile", "random max" },
                    values = new[] { score, baseline.Mean, p95, p99, baseline.Scores.Max() },
                },
            });
    }
}
