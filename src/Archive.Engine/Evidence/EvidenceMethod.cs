using Archive.Formats.Claims;
using Archive.Engine.Transformer;
using Archive.Engine.Vision;

namespace Archive.Engine.Evidence;

/// <summary>
/// What a method computed: the headline number the verdict compares, the parameters as run (defaults filled in), the
/// exact inputs, every number, and artifacts the pages draw (heatmaps as arrays).
/// </summary>
public sealed record EvidenceOutcome(double Headline, object Parameters, object Inputs, object Numbers, object? Artifacts);

/// <summary>What a run works on: the claim and the model (its file, already verified against <paramref name="ModelSha256"/>,
/// and the loaded transformer or convolutional network, shared by the runs that need it).</summary>
public sealed record EvidenceContext(ClaimDefinition Claim, string ModelPath, string ModelSha256, HookedTransformer? Transformer)
{
    /// <summary>The loaded network when the model is a CNN (architecture <c>cnn</c>).</summary>
    public ConvNet? ConvNet { get; init; }

    public HookedTransformer RequireTransformer() =>
        Transformer ?? throw new InvalidDataException($"Method '{Claim.Method}' needs a transformer model; this specimen's model is not one.");

    public ConvNet RequireConvNet() =>
        ConvNet ?? throw new InvalidDataException($"Method '{Claim.Method}' needs a convolutional network; this specimen's model is not one.");
}

/// <summary>One family of evidence methods. Several implementations exist, one per family; the runner picks by name.</summary>
public interface IEvidenceMethod
{
    /// <summary>The claim method ids this family computes (<c>induction_score</c>, <c>ablation</c>, ...).</summary>
    IReadOnlyCollection<string> Names { get; }

    EvidenceOutcome Run(EvidenceContext context);
}
