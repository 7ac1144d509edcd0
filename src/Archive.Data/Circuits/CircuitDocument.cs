using System.Text.Json.Serialization;

namespace Archive.Data.Circuits;

/// <summary>
/// The archive's own circuit JSON (section 7 of the evidence methods): what the API serves and what bundles carry.
/// Kinds are spelled as the section spells them (<c>attn_head</c>, <c>pos_embed</c>).
/// </summary>
public sealed record CircuitDocument(
    string Slug,
    string Title,
    string Description,
    string? Prompt,
    IReadOnlyList<string>? PromptTokens,
    IReadOnlyList<CircuitNodeDocument> Nodes,
    IReadOnlyList<CircuitEdgeDocument> Edges);

public sealed record CircuitNodeDocument(
    string Id,
    string Kind,
    int? Layer,
    int? Head,
    int? Index,
    int? Position,
    string Label,
    string Description,
    [property: JsonPropertyName("feature")] CircuitFeatureLink? Feature,
    double? Activation,
    double? Influence);

/// <summary>For feature nodes: where the feature's dashboard lives.</summary>
public sealed record CircuitFeatureLink(string Dictionary, int Index);

public sealed record CircuitEdgeDocument(string Source, string Target, double Weight, string Kind);

public static class CircuitKinds
{
    public static string Name(CircuitNodeKind kind) => kind switch
    {
        CircuitNodeKind.Embed => "embed",
        CircuitNodeKind.PosEmbed => "pos_embed",
        CircuitNodeKind.AttnHead => "attn_head",
        CircuitNodeKind.Mlp => "mlp",
        CircuitNodeKind.Neuron => "neuron",
        CircuitNodeKind.Feature => "feature",
        CircuitNodeKind.Logit => "logit",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static CircuitNodeKind? ParseNode(string? name) => name switch
    {
        "embed" => CircuitNodeKind.Embed,
        "pos_embed" => CircuitNodeKind.PosEmbed,
        "attn_head" => CircuitNodeKind.AttnHead,
        "mlp" => CircuitNodeKind.Mlp,
        "neuron" => CircuitNodeKind.Neuron,
        "feature" => CircuitNodeKind.Feature,
        "logit" => CircuitNodeKind.Logit,
        _ => null,
    };

    public static string Name(CircuitEdgeKind kind) => kind.ToString().ToLowerInvariant();

    public static CircuitEdgeKind? ParseEdge(string? name) => name switch
    {
        "q" => CircuitEdgeKind.Q,
        "k" => CircuitEdgeKind.K,
        "v" => CircuitEdgeKind.V,
        "o" => CircuitEdgeKind.O,
        "residual" => CircuitEdgeKind.Residual,
        "attribution" => CircuitEdgeKind.Attribution,
        "weight" => CircuitEdgeKind.Weight,
        _ => null,
    };
}
