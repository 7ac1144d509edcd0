using Archive.Data.Specimens;

namespace Archive.Data.Circuits;

/// <summary>
/// A circuit diagram: a directed graph over model components (section 7 of the evidence methods). It belongs to one
/// revision and is frozen with it. Nodes and edges are rows, so "which circuits use head 1.4" is an indexed query.
/// </summary>
public sealed class Circuit
{
    public int Id { get; set; }
    public int RevisionId { get; set; }
    public SpecimenRevision Revision { get; set; } = null!;
    /// <summary>Unique within the revision; URL segment.</summary>
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The prompt the graph was computed on, when it is prompt-specific (attribution graphs).</summary>
    public string? Prompt { get; set; }
    public List<string>? PromptTokens { get; set; }
    public List<CircuitNode> Nodes { get; set; } = [];
    public List<CircuitEdge> Edges { get; set; } = [];
}

public sealed class CircuitNode
{
    public long Id { get; set; }
    public int CircuitId { get; set; }
    /// <summary>The node's id within the graph (<c>L1H4</c>, <c>embed</c>, <c>logit_17</c>); edges refer to it.</summary>
    public required string Key { get; set; }
    public CircuitNodeKind Kind { get; set; }
    public int? Layer { get; set; }
    public int? Head { get; set; }
    /// <summary>Neuron index, feature index or token id (for logits), depending on <see cref="Kind"/>.</summary>
    public int? Index { get; set; }
    /// <summary>Token position, for prompt-specific graphs.</summary>
    public int? Position { get; set; }
    public required string Label { get; set; }
    public string Description { get; set; } = "";
    /// <summary>For feature nodes: the dictionary the feature belongs to.</summary>
    public int? FeatureDictionaryId { get; set; }
    /// <summary>Node attributes from imported attribution graphs (activation, influence).</summary>
    public double? Activation { get; set; }
    public double? Influence { get; set; }
}

public sealed class CircuitEdge
{
    public long Id { get; set; }
    public int CircuitId { get; set; }
    public required string SourceKey { get; set; }
    public required string TargetKey { get; set; }
    /// <summary>Signed strength (composition score, attribution).</summary>
    public double Weight { get; set; }
    public CircuitEdgeKind Kind { get; set; }
}

public enum CircuitNodeKind
{
    Embed,
    PosEmbed,
    AttnHead,
    Mlp,
    Neuron,
    Feature,
    Logit,
}

public enum CircuitEdgeKind
{
    Q,
    K,
    V,
    O,
    Residual,
    Attribution,
    /// <summary>A connection read off the weights alone (a CNN's conv kernel between two channels), not from a run.</summary>
    Weight,
}
