using System.Text.Json;
using Archive.Data.Evidence;
using Archive.Data.Specimens;

namespace Archive.Data.Claims;

/// <summary>
/// A falsifiable statement about the model ("head 1.4 is an induction head: induction score ≥ 0.6"), frozen with its
/// revision. The worker checks it by running <see cref="Method"/> on <see cref="Targets"/> with <see cref="Parameters"/>
/// and comparing the headline number with <see cref="Expected"/>.
/// </summary>
public sealed class Claim
{
    public int Id { get; set; }
    public int RevisionId { get; set; }
    public SpecimenRevision Revision { get; set; } = null!;
    /// <summary>Stable within the specimen across revisions (<c>induction-head-l1</c>); used in URLs.</summary>
    public required string Key { get; set; }
    public required string Statement { get; set; }
    /// <summary>Evidence method id, as the engine names it: <c>induction_score</c>, <c>previous_token_score</c>,
    /// <c>duplicate_token_score</c>, <c>detect_head</c>, <c>k_composition</c>, <c>copying_score</c>, <c>icl_score</c>,
    /// <c>ablation</c>, <c>activation_patching</c>, <c>direct_logit_attribution</c>, <c>sae_feature</c>, <c>superposition</c>.</summary>
    public required string Method { get; set; }
    /// <summary>Components in TransformerLens-style shorthand: <c>L1H4</c>, <c>L0MLP</c>, <c>L0N12</c>, <c>F123</c>.</summary>
    public List<string> Targets { get; set; } = [];
    /// <summary>Method parameters (seed, batch, seq_len, ablation kind ...), jsonb.</summary>
    public JsonDocument Parameters { get; set; } = JsonDocument.Parse("{}");
    public ClaimComparison Comparison { get; set; }
    public double Expected { get; set; }
    /// <summary>Upper bound for <see cref="ClaimComparison.Between"/>.</summary>
    public double? ExpectedUpper { get; set; }
    /// <summary>Slack allowed on the comparison, recorded with every verdict.</summary>
    public double Tolerance { get; set; }
    public List<EvidenceRun> EvidenceRuns { get; set; } = [];
}

public enum ClaimComparison
{
    AtLeast,
    AtMost,
    Between,
    ApproximatelyEqual,
}
