using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// Weight-based evidence (section 3), needing no input: Q/K/V-composition between an earlier and a later head
/// (targets: the earlier head, then the later one) and copying scores (target: one head; parameter
/// <c>ov_only</c> for the eigenvalues of W_OV alone instead of W_E·W_OV·W_U).
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
        var composition = WeightScores.CompositionScores(model, mode);
        var (early, late) = (targets[0], targets[1]);
        var score = composition.Scores[early.Layer][early.Index!.Value][late.Layer][late.Index!.Value];
        // Every later head's score with the earlier head, to set the claimed pair against its alternatives.
        var fromEarly = composition.Scores[early.Layer][early.Index!.Value];
        return new EvidenceOutcome(
            score,
            new { mode = mode.ToString() },
            new { weights = "the model file's parameters (no input tokens)" },
            new { composition_scores = composition.Scores },
            new { score_heatmap = new { title = $"{mode}-composition of L{early.Layer}H{early.Index} with each later head", rows = "later layer", columns = "later head", values = fromEarly } });
    }
}
