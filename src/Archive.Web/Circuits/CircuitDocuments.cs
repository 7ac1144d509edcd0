using Archive.Data.Circuits;

namespace Archive.Web.Circuits;

public static class CircuitDocuments
{
    /// <summary>The API's form of a circuit the pages already loaded (section 7 names and kinds).</summary>
    public static CircuitDocument ToDocument(this CircuitDiagramData circuit) => new(
        circuit.Slug,
        circuit.Title,
        circuit.Description,
        circuit.Prompt,
        circuit.PromptTokens,
        [.. circuit.Nodes.Select(n => new CircuitNodeDocument(
            n.Key, CircuitKinds.Name(n.Kind), n.Layer, n.Head, n.Index, n.Position, n.Label, n.Description,
            n.DictionarySlug is { } d && n.Index is { } i ? new CircuitFeatureLink(d, i) : null,
            n.Activation, n.Influence))],
        [.. circuit.Edges.Select(e => new CircuitEdgeDocument(e.Source, e.Target, e.Weight, CircuitKinds.Name(e.Kind)))]);

    /// <summary>A circuit document as the diagram draws it (the guided form's preview of a circuit not yet stored); a node
    /// of an unknown kind is refused before this (<see cref="CircuitMapping.ToEntity"/>).</summary>
    public static CircuitDiagramData ToDiagram(this CircuitDocument circuit) => new(
        circuit.Slug,
        circuit.Title,
        circuit.Description,
        circuit.Prompt,
        circuit.PromptTokens,
        [.. circuit.Nodes.Select(n => new CircuitDiagramNode(
            n.Id, CircuitKinds.ParseNode(n.Kind) ?? throw new InvalidDataException($"Node '{n.Id}' has unknown kind '{n.Kind}'."),
            n.Layer, n.Head, n.Index, n.Position, n.Label ?? n.Id, n.Description ?? "", n.Feature?.Dictionary, n.Activation, n.Influence))],
        [.. circuit.Edges.Select(e => new CircuitDiagramEdge(e.Source, e.Target, e.Weight,
            CircuitKinds.ParseEdge(e.Kind) ?? throw new InvalidDataException($"Edge {e.Source}→{e.Target} has unknown kind '{e.Kind}'.")))]);
}
