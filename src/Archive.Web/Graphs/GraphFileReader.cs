using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Web.Graphs;

/// <summary>What the archive keeps about a graph file besides its bytes.</summary>
public sealed record GraphFileSummary(string Slug, string Scan, string Prompt, int NodeCount, int LinkCount, IReadOnlyList<string> Warnings);

/// <summary>
/// Checks an attribution graph as circuit-tracer (<c>frontend/graph_models.py</c>, its attribution-graph frontend) and
/// Neuronpedia (<c>graph-schema.json</c>, <c>formatCLTGraphData</c>) read it, without changing a byte of it. Each node and
/// link is read as its own small JSON value, so memory follows the graph's size, never a whole-body document; the
/// first fault of each node is reported, and a link is not blamed for a node that was already reported.
/// </summary>
public static class GraphFileReader
{
    public const int MaxNodes = 20_000;
    public const int MaxLinks = 500_000;
    private const int MaxReportedErrors = 50;

    private static readonly JsonSerializerOptions Options = new() { MaxDepth = 64 };

    private sealed class Shape
    {
        [JsonPropertyName("metadata")] public JsonElement? Metadata { get; set; }
        [JsonPropertyName("qParams")] public JsonElement? QParams { get; set; }
        [JsonPropertyName("nodes")] public List<JsonElement>? Nodes { get; set; }
        [JsonPropertyName("links")] public List<JsonElement>? Links { get; set; }
    }

    /// <summary>The summary, or the faults by field (<c>nodes[3].feature</c>). Throws <see cref="JsonException"/> for text
    /// that is not JSON (invalid UTF-8 included).</summary>
    public static async Task<(GraphFileSummary? Summary, Dictionary<string, string[]> Errors)> ReadAsync(Stream file, CancellationToken ct)
    {
        var errors = new Errors();
        Shape? shape;
        try
        {
            shape = await JsonSerializer.DeserializeAsync<Shape>(file, Options, ct);
        }
        catch (JsonException ex) when (ex.Path is { Length: > 1 } && ex.Path.Count(c => c == '.') <= 1 && ex.InnerException is InvalidOperationException)
        {
            // A top-level member of the wrong kind ("nodes": {}), which the typed shape cannot hold.
            errors.Add(ex.Path.TrimStart('$', '.'), "has the wrong JSON type");
            return (null, errors.ToDictionary());
        }
        if (shape is null) return (null, new() { ["$"] = ["The graph must be a JSON object."] });

        var metadata = Metadata(shape.Metadata, errors, out var tokens);
        if (shape.QParams is not { ValueKind: JsonValueKind.Object }) errors.Add("qParams", "is required (an object; circuit-tracer's frontend reads it on load)");
        if (shape.Nodes is null) errors.Add("nodes", "is required (an array)");
        if (shape.Links is null) errors.Add("links", "is required (an array)");
        var nodes = shape.Nodes ?? [];
        var links = shape.Links ?? [];
        if (nodes.Count > MaxNodes) errors.Add("nodes", $"has {nodes.Count} nodes; at most {MaxNodes} are accepted");
        if (links.Count > MaxLinks) errors.Add("links", $"has {links.Count} links; at most {MaxLinks} are accepted");
        if (errors.Count > 0) return (null, errors.ToDictionary());

        var warnings = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var faulty = new HashSet<string>(StringComparer.Ordinal);
        double? maxLayer = null;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var id = node.ValueKind == JsonValueKind.Object && node.TryGetProperty("node_id", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (GraphNodeRules.FirstFault(node, tokens) is { } fault)
            {
                errors.Add($"nodes[{i}].{fault.Field}", fault.Message);
                if (id is not null) faulty.Add(id);
                continue;
            }
            if (ids.TryGetValue(id!, out var earlier))
                warnings.Add($"node_id '{id}' appears at nodes[{earlier}] and nodes[{i}]; as in circuit-tracer's and Neuronpedia's frontends, links attach to the later one.");
            ids[id!] = i;
            if (GraphNodeRules.Warning(node) is { } warning) warnings.Add($"nodes[{i}]: {warning}");
            if (node.GetProperty("feature_type").GetString() != "logit" && GraphNodeRules.JsLayerNumber(node.GetProperty("layer")) is { } layer)
                maxLayer = maxLayer is { } m ? Math.Max(m, layer) : layer;
        }
        if (errors.Count == 0 && GraphNodeRules.GraphWarning(maxLayer) is { } graphWarning) warnings.Add($"nodes: {graphWarning}.");
        for (var j = 0; j < links.Count; j++)
        {
            if (GraphNodeRules.LinkFault(links[j], ids, faulty) is { } fault) errors.Add($"links[{j}].{fault.Field}", fault.Message);
        }
        QParams(shape.QParams!.Value, ids, errors, warnings);
        if (tokens.Count < 2)
            warnings.Add("metadata.prompt_tokens has fewer than 2 tokens; circuit-tracer's frontend removes every node of such a graph.");

        return errors.Count > 0
            ? (null, errors.ToDictionary())
            : (metadata with { NodeCount = nodes.Count, LinkCount = links.Count, Warnings = warnings }, errors.ToDictionary());
    }

    private static GraphFileSummary Metadata(JsonElement? element, Errors errors, out List<string> tokens)
    {
        tokens = [];
        if (element is not { ValueKind: JsonValueKind.Object } m)
        {
            errors.Add("metadata", "is required (an object with slug, scan, prompt_tokens and prompt)");
            return new("", "", "", 0, 0, []);
        }
        string Text(string name, int max)
        {
            if (!m.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String) errors.Add($"metadata.{name}", "is required (a string)");
            else if (v.GetString()!.Length > max) errors.Add($"metadata.{name}", $"is longer than {max} characters");
            else return v.GetString()!;
            return "";
        }
        var summary = new GraphFileSummary(Text("slug", 200), Text("scan", 200), Text("prompt", 10_000), 0, 0, []);
        if (!m.TryGetProperty("prompt_tokens", out var t) || t.ValueKind != JsonValueKind.Array)
            errors.Add("metadata.prompt_tokens", "is required (an array of strings)");
        else if (t.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            errors.Add("metadata.prompt_tokens", "must hold strings only");
        else tokens = [.. t.EnumerateArray().Select(x => x.GetString()!)];
        return summary;
    }

    private static void QParams(JsonElement q, Dictionary<string, int> ids, Errors errors, List<string> warnings)
    {
        if (q.TryGetProperty("pinnedIds", out var pinned))
        {
            // circuit-tracer's frontend also takes a comma-joined string.
            var list = pinned.ValueKind switch
            {
                JsonValueKind.Array when pinned.EnumerateArray().All(p => p.ValueKind == JsonValueKind.String) => pinned.EnumerateArray().Select(p => p.GetString()!).ToList(),
                JsonValueKind.String => [.. pinned.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries)],
                _ => null,
            };
            if (list is null) errors.Add("qParams.pinnedIds", "must be an array of node_ids (or a comma-joined string)");
            else if (list.FirstOrDefault(p => !ids.ContainsKey(p)) is { } missing) warnings.Add($"qParams.pinnedIds names '{missing}', which is not a node of the graph.");
        }
        if (q.TryGetProperty("supernodes", out var supernodes))
        {
            if (supernodes.ValueKind != JsonValueKind.Array) errors.Add("qParams.supernodes", "must be an array of [label, node_id, ...] arrays");
            else
            {
                var i = 0;
                foreach (var s in supernodes.EnumerateArray())
                {
                    if (s.ValueKind != JsonValueKind.Array || s.GetArrayLength() == 0 || s.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                        errors.Add($"qParams.supernodes[{i}]", "must be [label, node_id, ...], all strings");
                    i++;
                }
            }
        }
    }

    /// <summary>Faults by field, at most <see cref="MaxReportedErrors"/> of them (then a count of the rest).</summary>
    private sealed class Errors
    {
        private readonly Dictionary<string, string[]> entries = new(StringComparer.Ordinal);
        private int dropped;

        public int Count => entries.Count + dropped;

        public void Add(string field, string message)
        {
            if (entries.Count >= MaxReportedErrors) dropped++;
            else entries[field] = entries.TryGetValue(field, out var m) ? [.. m, message] : [message];
        }

        public Dictionary<string, string[]> ToDictionary()
        {
            var result = new Dictionary<string, string[]>(entries, StringComparer.Ordinal);
            if (dropped > 0) result["$"] = [$"…and {dropped} more faults not listed."];
            return result;
        }
    }
}
