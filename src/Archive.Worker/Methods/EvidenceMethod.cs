using System.Text.Json;
using Archive.Engine.Transformer;

namespace Archive.Worker.Methods;

/// <summary>A claim as a method sees it: which method, on which components, with which parameters.</summary>
public sealed record ClaimSpec(string Method, IReadOnlyList<string> Targets, JsonElement Parameters)
{
    public int Int(string name, int fallback) =>
        Parameters.ValueKind == JsonValueKind.Object && Parameters.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;

    public long Long(string name, long fallback) =>
        Parameters.ValueKind == JsonValueKind.Object && Parameters.TryGetProperty(name, out var v) && v.TryGetInt64(out var i) ? i : fallback;

    public int? OptionalInt(string name) =>
        Parameters.ValueKind == JsonValueKind.Object && Parameters.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;

    public string String(string name, string fallback) =>
        Parameters.ValueKind == JsonValueKind.Object && Parameters.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;

    public bool Bool(string name, bool fallback) =>
        Parameters.ValueKind == JsonValueKind.Object && Parameters.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;
}

/// <summary>
/// What a method computed: the headline number the verdict compares, the parameters as run (defaults filled in), the
/// exact inputs, every number, and artifacts the pages draw (heatmaps as arrays).
/// </summary>
public sealed record EvidenceOutcome(double Headline, object Parameters, object Inputs, object Numbers, object? Artifacts);

/// <summary>What a run works on: the claim and the model (its file, already verified against <paramref name="ModelSha256"/>,
/// and the loaded transformer, shared by the runs that need it).</summary>
public sealed record EvidenceContext(ClaimSpec Claim, string ModelPath, string ModelSha256, HookedTransformer? Transformer)
{
    public HookedTransformer RequireTransformer() =>
        Transformer ?? throw new InvalidDataException($"Method '{Claim.Method}' needs a transformer model; this specimen's model is not one.");
}

/// <summary>One family of evidence methods. Several implementations exist, one per family; the runner picks by name.</summary>
public interface IEvidenceMethod
{
    /// <summary>The claim method ids this family computes (<c>induction_score</c>, <c>ablation</c>, ...).</summary>
    IReadOnlyCollection<string> Names { get; }

    EvidenceOutcome Run(EvidenceContext context);
}
