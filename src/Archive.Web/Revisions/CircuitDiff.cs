using Archive.Data.Circuits;
using Archive.Web.Circuits;

namespace Archive.Web.Revisions;

/// <summary>Circuits matched by slug, their nodes by key and their edges by (source, target, kind).</summary>
internal static class CircuitDiff
{
    public static List<CircuitChange> Compare(IReadOnlyList<CircuitDiagramData> before, IReadOnlyList<CircuitDiagramData> after)
    {
        var unmatched = before.ToDictionary(c => c.Slug, StringComparer.Ordinal);
        var changes = new List<CircuitChange>();
        // The newer revision's order first, then what it dropped in the older one's order: the page reads top to bottom.
        foreach (var circuit in after)
        {
            if (!unmatched.Remove(circuit.Slug, out var previous))
            {
                changes.Add(Whole(circuit, ChangeKind.Added));
                continue;
            }
            var fields = new FieldChanges()
                .Compare("title", previous.Title, circuit.Title)
                .Compare("description", previous.Description, circuit.Description)
                .Compare("prompt", previous.Prompt, circuit.Prompt)
                .ToList();
            var nodes = CompareNodes(previous.Nodes, circuit.Nodes);
            var edges = CompareEdges(previous.Edges, circuit.Edges);
            if (fields.Count + nodes.Count + edges.Count > 0)
            {
                changes.Add(new CircuitChange(circuit.Slug, circuit.Title, ChangeKind.Changed, circuit.Nodes.Count, circuit.Edges.Count, fields, nodes, edges));
            }
        }
        changes.AddRange(before.Where(c => unmatched.ContainsKey(c.Slug)).Select(c => Whole(c, ChangeKind.Removed)));
        return changes;
    }

    private static CircuitChange Whole(CircuitDiagramData circuit, ChangeKind change) =>
        new(circuit.Slug, circuit.Title, change, circuit.Nodes.Count, circuit.Edges.Count, [], [], []);

    /// <summary>Sorted by key: nodes have no order of their own, and a stable order keeps the API's answer stable.</summary>
    private static List<NodeChange> CompareNodes(IReadOnlyList<CircuitDiagramNode> before, IReadOnlyList<CircuitDiagramNode> after)
    {
        var old = before.ToDictionary(n => n.Key, StringComparer.Ordinal);
        var now = after.ToDictionary(n => n.Key, StringComparer.Ordinal);
        var changes = new List<NodeChange>();
        foreach (var key in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var (was, @is) = (old.GetValueOrDefault(key), now.GetValueOrDefault(key));
            if (was is null) changes.Add(new NodeChange(key, @is!.Label, ChangeKind.Added, []));
            else if (@is is null) changes.Add(new NodeChange(key, was.Label, ChangeKind.Removed, []));
            else if (NodeFields(was, @is) is { Count: > 0 } fields) changes.Add(new NodeChange(key, @is.Label, ChangeKind.Changed, fields));
        }
        return changes;
    }

    private static IReadOnlyList<FieldChange> NodeFields(CircuitDiagramNode was, CircuitDiagramNode @is) => new FieldChanges()
        .Compare("kind", CircuitKinds.Name(was.Kind), CircuitKinds.Name(@is.Kind))
        .Compare("layer", was.Layer, @is.Layer)
        .Compare("head", was.Head, @is.Head)
        .Compare("index", was.Index, @is.Index)
        .Compare("position", was.Position, @is.Position)
        .Compare("label", was.Label, @is.Label)
        .Compare("description", was.Description, @is.Description)
        .Compare("activation", was.Activation, @is.Activation)
        .Compare("influence", was.Influence, @is.Influence)
        .Compare("feature_dictionary", was.DictionarySlug, @is.DictionarySlug)
        .ToList();

    private readonly record struct EdgeKey(string Source, string Target, CircuitEdgeKind Kind);

    /// <summary>
    /// Nothing in the schema stops two edges with the same ends and kind, so each key's edges pair up in order and the
    /// extras count as added or removed.
    /// </summary>
    private static List<EdgeChange> CompareEdges(IReadOnlyList<CircuitDiagramEdge> before, IReadOnlyList<CircuitDiagramEdge> after)
    {
        static EdgeKey KeyOf(CircuitDiagramEdge e) => new(e.Source, e.Target, e.Kind);
        var old = before.ToLookup(KeyOf);
        var now = after.ToLookup(KeyOf);
        var keys = old.Select(g => g.Key).Union(now.Select(g => g.Key))
            .OrderBy(k => k.Source, StringComparer.Ordinal).ThenBy(k => k.Target, StringComparer.Ordinal).ThenBy(k => k.Kind);
        var changes = new List<EdgeChange>();
        foreach (var key in keys)
        {
            var (was, @is) = (old[key].ToList(), now[key].ToList());
            var kind = CircuitKinds.Name(key.Kind);
            for (var i = 0; i < Math.Max(was.Count, @is.Count); i++)
            {
                if (i >= was.Count) changes.Add(new EdgeChange(key.Source, key.Target, kind, ChangeKind.Added, null, @is[i].Weight));
                else if (i >= @is.Count) changes.Add(new EdgeChange(key.Source, key.Target, kind, ChangeKind.Removed, was[i].Weight, null));
                else if (!was[i].Weight.Equals(@is[i].Weight)) changes.Add(new EdgeChange(key.Source, key.Target, kind, ChangeKind.Changed, was[i].Weight, @is[i].Weight));
            }
        }
        return changes;
    }
}
