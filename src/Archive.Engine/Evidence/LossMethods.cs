using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// Loss-based evidence on repeated random tokens (section 4): the in-context-learning score (mean loss over the first
/// copy minus over the second), and the effect of zero- or mean-ablating the target components on the loss, either over
/// the positions whose next token is in the second copy (<c>metric: "loss_second_copy"</c>, the default) or over all
/// positions (<c>"loss"</c>). Effect = M(ablated) − M(clean). Mean-ablation averages each component over a reference
/// batch drawn with <c>reference_seed</c> and over all positions. With several targets each is also ablated alone, and
/// <c>measure</c> can make the headline the largest single effect, or the singles' sum, as a share of the joint effect.
/// A second-copy record also holds the same ablation measured on the first copy: there is no earlier occurrence to copy
/// from there, so an effect specific to induction shows on the second copy and not on the first.
/// </summary>
public sealed class LossMethods : IEvidenceMethod
{
    public IReadOnlyCollection<string> Names { get; } = ["icl_score", "ablation"];

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var model = context.RequireTransformer();
        var claim = context.Claim;
        var tokens = claim.Parameters as RepeatedTokenParameters ?? claim.ParametersAs<AblationParameters>().Tokens;
        var (seed, batch, repeatLength, bos) = (tokens.Seed, tokens.Batch, tokens.SeqLen, tokens.Bos);
        var inputs = RepeatedTokens.Generate(batch, repeatLength, model.Config.d_vocab, seed, bos);

        if (claim.Method == "icl_score")
        {
            var icl = LossScores.InContextLearning(model, inputs);
            return new EvidenceOutcome(
                icl.Score,
                new { seed, batch, seq_len = repeatLength, bos, generator = inputs.Generator },
                new { tokens = inputs.Tokens, prefix_length = inputs.PrefixLength, repeat_length = repeatLength },
                new { first_copy_loss = icl.FirstCopyLoss, second_copy_loss = icl.SecondCopyLoss, icl_score = icl.Score, loss_by_position = icl.LossByPosition },
                new { loss_by_position = new { title = "Mean loss by position (nats)", x = "position", y = "loss", values = icl.LossByPosition } });
        }

        var p = claim.ParametersAs<AblationParameters>();
        var components = ComponentTargets.Resolve(claim.Targets, model.Config);
        var kind = p.Ablation == "mean" ? AblationKind.Mean : AblationKind.Zero;
        var metricName = p.Metric;
        // Positions whose next token lies in the second copy: p+L−1 ... p+2L−2 in the per-position loss.
        var metric = metricName == "loss"
            ? MetricSpec.Loss
            : MetricSpec.LossOver(inputs.PrefixLength + repeatLength - 1, inputs.PrefixLength + 2 * repeatLength - 1);
        var referenceSeed = p.ReferenceSeed ?? seed + 1;
        var reference = kind == AblationKind.Mean ? RepeatedTokens.Generate(batch, repeatLength, model.Config.d_vocab, referenceSeed, bos) : null;
        var perComponent = components.Count > 1;
        var result = Interventions.Ablate(model, inputs.Tokens, components, kind, metric, reference?.Tokens, perComponent);
        var control = metricName == "loss"
            ? null
            : Interventions.Ablate(model, inputs.Tokens, components, kind,
                MetricSpec.LossOver(Math.Max(inputs.PrefixLength - 1, 0), inputs.PrefixLength + repeatLength - 1), reference?.Tokens, perComponent);
        var shares = result.PerComponent is { } singles ? new SingleShares(singles, result.Effect) : null;
        var headline = p.Measure switch
        {
            AblationMeasure.Effect => result.Effect,
            _ when shares is null => throw new InvalidDataException($"Measure '{p.MeasureName}' sets components ablated alone against all of them together; the targets name only {components.Count}."),
            AblationMeasure.LargestSingleShare => shares.Largest ?? throw SharesUndefined(),
            _ => shares.Sum ?? throw SharesUndefined(),
        };
        return new EvidenceOutcome(
            headline,
            new
            {
                seed, batch, seq_len = repeatLength, bos, generator = inputs.Generator, ablation = kind.ToString().ToLowerInvariant(), metric = metricName,
                measure = p.MeasureName, reference_seed = reference is null ? (long?)null : referenceSeed, components = components.Select(c => c.Label).ToList(),
            },
            new { tokens = inputs.Tokens, reference_tokens = reference?.Tokens, prefix_length = inputs.PrefixLength, repeat_length = repeatLength },
            new
            {
                clean = result.CleanMetric,
                ablated = result.AblatedMetric,
                effect = result.Effect,
                per_component = PerComponent(result),
                largest_single_share = shares?.Largest,
                sum_of_singles_share = shares?.Sum,
                control = control is null ? null : new
                {
                    metric = "loss_first_copy",
                    description = "the same ablation, measured on the positions whose next token lies in the first copy (nothing earlier to copy from)",
                    clean = control.CleanMetric,
                    ablated = control.AblatedMetric,
                    effect = control.Effect,
                    per_component = PerComponent(control),
                },
            },
            result.PerComponent is null ? null : new
            {
                per_component = new
                {
                    title = "Effect of ablating each component alone (nats)",
                    labels = result.PerComponent.Select(e => e.Component.Label).ToList(),
                    values = result.PerComponent.Select(e => e.Effect).ToList(),
                },
            });
    }

    private static object? PerComponent(AblationResult result) =>
        result.PerComponent?.Select(e => new { component = e.Component.Label, metric = e.Metric, effect = e.Effect }).ToList();

    private static InvalidDataException SharesUndefined() =>
        new("Ablating the targets together changes the metric by exactly 0, so no single target has a share of it.");

    /// <summary>The singles against the joint effect; null when the joint ablation changes nothing (no share to speak of).</summary>
    private sealed record SingleShares(ComponentEffect[] Singles, double Joint)
    {
        public double? Largest => Joint == 0 ? null : Singles.Max(e => e.Effect) / Joint;

        public double? Sum => Joint == 0 ? null : Singles.Sum(e => e.Effect) / Joint;
    }
}
