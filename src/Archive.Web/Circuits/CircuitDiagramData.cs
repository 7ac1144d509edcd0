using Archive.Data.Circuits;

namespace Archive.Web.Circuits;

/// <summary>What a circuit diagram draws: one circuit's nodes and edges, read once per page.</summary>
public sealed record CircuitDiagramData(
    string Slug,
    string Title,
    string Description,
    string? Prompt,
    IReadOnlyList<string>? PromptTokens,
    IReadOnlyList<CircuitDiagramNode> Nodes,
    IReadOnlyList<CircuitDiagramEdge> Edges)
{
    /// <summary>The stored attribution graphs attached to this circuit (by its slug, whatever the revision).</summary>
    public IReadOnlyList<Archive.Web.Graphs.AttachedGraph> Graphs { get; init; } = [];
}

public sealed record CircuitDiagramNode(
    string Key,
    CircuitNodeKind Kind,
    int? Layer,
    int? Head,
    int? Index,
    int? Position,
    string Label,
    string Description,
    string? DictionarySlug = null,
    double? Activation = null,
    double? Influence = null)
{
    /// <summary>
    /// The component in the shorthand claims use for their targets (<c>L1H4</c>, <c>L0MLP</c>, <c>L0N12</c>,
    /// <c>F123</c>), or the node key where there is none (<c>embed</c>, <c>logit_17</c>).
    /// </summary>
    public string Component => Kind switch
    {
        // A CNN's unit (conv2:3) is named as its claims target it.
        CircuitNodeKind.Neuron when Archive.Formats.Models.UnitName.TryParse(Key, out _) => Key,
        CircuitNodeKind.AttnHead when Layer is { } l && Head is { } h => $"L{l}H{h}",
        CircuitNodeKind.Mlp when Layer is { } l => $"L{l}MLP",
        CircuitNodeKind.Neuron when Layer is { } l && Index is { } i => $"L{l}N{i}",
        CircuitNodeKind.Feature when Index is { } i => $"F{i}",
        _ => Key,
    };

    public string KindName => CircuitDiagramSvg.KindName(Kind);
}

public sealed record CircuitDiagramEdge(string Source, string Target, double Weight, CircuitEdgeKind Kind);
