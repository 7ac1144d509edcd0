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
}
