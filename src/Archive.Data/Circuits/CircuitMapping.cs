
namespace Archive.Data.Circuits;

/// <summary>Turns a circuit document (a bundle's, an upload's) into rows.</summary>
public static class CircuitMapping
{
    /// <param name="dictionaryIds">Feature dictionary slug → id, to link feature nodes.</param>
    public static Circuit ToEntity(CircuitDocument document, IReadOnlyDictionary<string, int> dictionaryIds) => new()
    {
        Slug = document.Slug,
        Title = document.Title,
        Description = document.Description,
        Prompt = document.Prompt,
        PromptTokens = document.PromptTokens?.ToList(),
        Nodes = [.. document.Nodes.Select(n => new CircuitNode
        {
            Key = n.Id,
            Kind = CircuitKinds.ParseNode(n.Kind) ?? throw new InvalidDataException($"Node '{n.Id}' has unknown kind '{n.Kind}'."),
            Layer = n.Layer,
            Head = n.Head,
            Index = n.Index,
            Position = n.Position,
            Label = n.Label,
            Description = n.Description,
            FeatureDictionaryId = n.Feature is { } f && dictionaryIds.TryGetValue(f.Dictionary, out var id) ? id : null,
            Activation = n.Activation,
            Influence = n.Influence,
        })],
        Edges = [.. document.Edges.Select(e => new CircuitEdge
        {
            SourceKey = e.Source,
            TargetKey = e.Target,
            Weight = e.Weight,
            Kind = CircuitKinds.ParseEdge(e.Kind) ?? throw new InvalidDataException($"Edge {e.Source}→{e.Target} has unknown kind '{e.Kind}'."),
        })],
    };
}
