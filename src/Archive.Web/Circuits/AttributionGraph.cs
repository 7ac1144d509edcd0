using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data.Circuits;
using Archive.Web.Graphs;

namespace Archive.Web.Circuits;

/// <summary>
/// Converts circuits to and from the attribution-graph JSON that circuit-tracer and Neuronpedia read and write
/// (shared/reference/attribution-graph.schema.json), so graphs and subgraphs move between the tools with their labels.
/// What that format has no field for (node kind, head, description, edge kind) travels in an extra <c>archive</c>
/// object per node and <c>archive_kind</c> per link, which other tools ignore and our import reads back.
/// A subgraph is the format's own <c>qParams.pinnedIds</c>.
/// </summary>
public static class AttributionGraph
{
    public const int MaxNodes = 20_000;
    public const int MaxLinks = 200_000;

    public static JsonObject Export(CircuitDocument circuit, string graphSlug, string modelSlug, string? generatorUrl,
        IReadOnlyCollection<string>? pinnedIds = null, bool subgraphOnly = false)
    {
        var pinned = pinnedIds is { Count: > 0 } ? new HashSet<string>(pinnedIds, StringComparer.Ordinal) : null;
        var nodes = subgraphOnly && pinned is not null ? circuit.Nodes.Where(n => pinned.Contains(n.Id)).ToList() : circuit.Nodes.ToList();
        var kept = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var maxLayer = circuit.Nodes.Max(n => n.Layer) ?? 0;
        // Neuronpedia's frontend cannot open a graph whose non-logit nodes all sit in layer 0 (a one-layer model, or a
        // subgraph of layer-0 nodes): formatCLTGraphData (apps/webapp/app/[modelId]/graph/utils.ts) takes
        // `d3.max(nodes.filter(d => d.feature_type !== 'logit'), d => +d.layer)` and then `if (!maxLayer) throw new
        // Error('No layer found')`, so a maximum of 0, or no numeric layer at all ("E" is NaN), throws. Neither metadata
        // nor the logits' layer can help (logits are left out of that maximum and their layer is overwritten with
        // maxLayer + 1), and renumbering the layers would misname every node. So such a graph gets one placeholder node
        // in layer 1, linked to nothing and marked archive.placeholder, which Import drops: the circuit reads back the same.
        var needsPlaceholder = NeuronpediaMaxLayer(nodes) is null or 0;
        var logitLayer = needsPlaceholder ? Math.Max(maxLayer + 1, PlaceholderLayer + 1) : maxLayer + 1;

        var nodeArray = new JsonArray();
        foreach (var node in nodes)
        {
            // Every key of circuit-tracer's Node model, which its pydantic loader requires (feature an int: -1 where
            // the node has no index, as its error nodes), in its order.
            nodeArray.Add(new JsonObject
            {
                ["node_id"] = node.Id,
                ["feature"] = (node.Kind == "attn_head" ? node.Head : node.Index) ?? -1,
                ["layer"] = node.Kind switch
                {
                    "embed" or "pos_embed" => JsonValue.Create("E"),
                    "logit" => JsonValue.Create(logitLayer.ToString(CultureInfo.InvariantCulture)),
                    _ => JsonValue.Create((node.Layer ?? 0).ToString(CultureInfo.InvariantCulture)),
                },
                ["ctx_idx"] = node.Position ?? 0,
                ["feature_type"] = FeatureType(node.Kind),
                ["token_prob"] = 0.0,
                ["is_target_logit"] = false,
                ["run_idx"] = 0,
                ["reverse_ctx_idx"] = 0,
                ["jsNodeId"] = node.Id,
                ["clerp"] = Clerp(node),
                ["influence"] = node.Influence,
                ["activation"] = node.Activation,
                ["archive"] = new JsonObject
                {
                    ["kind"] = node.Kind,
                    ["label"] = node.Label,
                    ["layer"] = node.Layer,
                    ["head"] = node.Head,
                    ["index"] = node.Index,
                    ["position"] = node.Position,
                    ["description"] = node.Description,
                    ["dictionary"] = node.Feature?.Dictionary,
                },
            });
        }

        if (needsPlaceholder) nodeArray.Add(Placeholder(nodes));

        var links = new JsonArray();
        foreach (var edge in circuit.Edges.Where(e => kept.Contains(e.Source) && kept.Contains(e.Target)))
        {
            links.Add(new JsonObject
            {
                ["source"] = edge.Source,
                ["target"] = edge.Target,
                ["weight"] = edge.Weight,
                ["archive_kind"] = edge.Kind,
            });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["slug"] = graphSlug,
                ["scan"] = modelSlug,
                ["prompt_tokens"] = new JsonArray([.. PromptTokens(circuit).Select(t => (JsonNode?)JsonValue.Create(t))]),
                ["transcoder_list"] = new JsonArray(),
                ["prompt"] = circuit.Prompt ?? "",
                ["info"] = new JsonObject
                {
                    ["description"] = string.IsNullOrEmpty(circuit.Description) ? circuit.Title : $"{circuit.Title}. {circuit.Description}",
                    // Neuronpedia's schema wants a string url or none, never null.
                    ["generator"] = generatorUrl is null ? new JsonObject { ["name"] = "Specimen Archive" } : new JsonObject { ["name"] = "Specimen Archive", ["url"] = generatorUrl },
                },
            },
            ["qParams"] = new JsonObject
            {
                ["pinnedIds"] = new JsonArray([.. (pinned ?? []).Where(kept.Contains).Select(id => (JsonNode?)JsonValue.Create(id))]),
                ["supernodes"] = new JsonArray(),
                ["linkType"] = "both",
                ["clickedId"] = "",
                ["sg_pos"] = "",
            },
            ["nodes"] = nodeArray,
            ["links"] = links,
        };
    }

    private const int PlaceholderLayer = 1;

    /// <summary>
    /// What Neuronpedia's formatCLTGraphData computes as the graph's highest layer, <c>d3.max</c> of <c>+layer</c> over
    /// the non-logit nodes as this export writes them (embeddings "E", which is NaN and skipped; any other node its
    /// layer, 0 where unset); null where there is none. It throws when this is null or 0.
    /// </summary>
    private static int? NeuronpediaMaxLayer(IEnumerable<CircuitNodeDocument> nodes) =>
        nodes.Where(n => n.Kind is not ("embed" or "pos_embed" or "logit")).Max(n => (int?)(n.Layer ?? 0));

    /// <summary>
    /// The node that gives a graph of layer-0 nodes a layer above 0 for Neuronpedia (see <see cref="Export"/>): every key
    /// circuit-tracer's Node model requires, feature_type "unknown" (which Neuronpedia draws as "?" and neither links to
    /// a feature page nor fetches details for), at the last position the graph uses, beside the logits.
    /// </summary>
    private static JsonObject Placeholder(IReadOnlyCollection<CircuitNodeDocument> nodes)
    {
        var id = "archive-layer-placeholder";
        while (nodes.Any(n => n.Id == id)) id += "_";
        return new JsonObject
        {
            ["node_id"] = id,
            ["feature"] = -1,
            ["layer"] = PlaceholderLayer.ToString(CultureInfo.InvariantCulture),
            ["ctx_idx"] = nodes.Count == 0 ? 0 : nodes.Max(n => n.Position ?? 0),
            ["feature_type"] = "unknown",
            ["token_prob"] = 0.0,
            ["is_target_logit"] = false,
            ["run_idx"] = 0,
            ["reverse_ctx_idx"] = 0,
            ["jsNodeId"] = id,
            ["clerp"] = "Placeholder, not part of the circuit: Neuronpedia's frontend needs a node above layer 0",
            ["influence"] = null,
            ["activation"] = null,
            ["archive"] = new JsonObject { ["placeholder"] = true },
        };
    }

    /// <summary>A node <see cref="Placeholder"/> wrote, which is no part of the circuit.</summary>
    private static bool IsPlaceholder(JsonElement node) =>
        node.TryGetProperty("archive", out var a) && a.ValueKind == JsonValueKind.Object &&
        a.TryGetProperty("placeholder", out var p) && p.ValueKind == JsonValueKind.True;

    /// <summary>
    /// The clerp the frontends can read: circuit-tracer's and Neuronpedia's split a logit's clerp on <c>(p=</c> and throw
    /// without it, so a logit reads <c>Output "label" (p=n/a)</c> when its probability is unknown (the label itself
    /// travels in <c>archive.label</c>).
    /// </summary>
    private static string Clerp(CircuitNodeDocument node) =>
        node.Kind == "logit" && !node.Label.Contains("(p=", StringComparison.Ordinal) ? $"Output \"{node.Label.Replace("\"", "'", StringComparison.Ordinal)}\" (p=n/a)" : node.Label;

    /// <summary>
    /// The prompt's tokens, or for a circuit that holds at every position a single column named so. circuit-tracer's
    /// frontend drops every node of a graph with fewer than two prompt tokens, so the list has at least two.
    /// </summary>
    private static List<string> PromptTokens(CircuitDocument circuit)
    {
        List<string> tokens = circuit.PromptTokens is { Count: > 0 } given ? [.. given] : ["(every position)"];
        while (tokens.Count < 2) tokens.Add("");
        return tokens;
    }

    private static string FeatureType(string kind) => kind switch
    {
        "embed" or "pos_embed" => "embedding",
        "logit" => "logit",
        "attn_head" => "attention head",
        "mlp" => "mlp",
        "neuron" => "mlp neuron",
        _ => "sae feature",
    };

    private static string KindFromFeatureType(string featureType) => featureType switch
    {
        "embedding" => "embed",
        "logit" => "logit",
        "attention head" => "attn_head",
        "mlp" or "mlp reconstruction error" => "mlp",
        "mlp neuron" => "neuron",
        _ => "feature",
    };

    /// <summary>
    /// Reads an attribution graph. Returns the circuit and the subgraph's pinned ids, or the validation errors keyed by
    /// JSON path (for a ValidationProblem); nothing partial is ever returned.
    /// </summary>
    public static (CircuitDocument? Circuit, IReadOnlyList<string> PinnedIds, Dictionary<string, string[]> Errors) Import(
        JsonElement root, string circuitSlug, bool subgraphOnly = false)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string path, string message)
        {
            if (!errors.TryGetValue(path, out var list)) errors[path] = list = [];
            if (list.Count < 5) list.Add(message);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            Error("$", "An attribution graph is a JSON object with metadata, qParams, nodes and links.");
            return (null, [], Flatten(errors));
        }

        string prompt = "";
        List<string> promptTokens = [];
        string title = circuitSlug;
        string description = "";
        string scanName = "";
        int? schemaVersion = null;
        if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            Error("metadata", "metadata is required and must be an object.");
        }
        else
        {
            if (!metadata.TryGetProperty("slug", out var slug) || slug.ValueKind != JsonValueKind.String) Error("metadata.slug", "metadata.slug is required (a string).");
            else title = slug.GetString()!;
            if (!metadata.TryGetProperty("scan", out var scan) || scan.ValueKind != JsonValueKind.String) Error("metadata.scan", "metadata.scan is required (a string: the model id).");
            else scanName = scan.GetString()!;
            if (metadata.TryGetProperty("schema_version", out var version) && version.TryGetInt32(out var v)) schemaVersion = v;
            if (!metadata.TryGetProperty("prompt", out var p) || p.ValueKind != JsonValueKind.String) Error("metadata.prompt", "metadata.prompt is required (a string).");
            else prompt = p.GetString()!;
            if (!metadata.TryGetProperty("prompt_tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Array) Error("metadata.prompt_tokens", "metadata.prompt_tokens is required (an array of strings).");
            else
            {
                foreach (var t in tokens.EnumerateArray())
                {
                    if (t.ValueKind != JsonValueKind.String) { Error("metadata.prompt_tokens", "Every prompt token must be a string."); break; }
                    promptTokens.Add(t.GetString()!);
                }
            }
            if (metadata.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object &&
                info.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String)
            {
                description = d.GetString()!;
            }
        }

        var nodes = new List<CircuitNodeDocument>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("nodes", out var nodeArray) || nodeArray.ValueKind != JsonValueKind.Array)
        {
            Error("nodes", "nodes is required and must be an array.");
        }
        else if (nodeArray.GetArrayLength() > MaxNodes)
        {
            Error("nodes", $"At most {MaxNodes} nodes are accepted (got {nodeArray.GetArrayLength()}).");
        }
        else
        {
            var i = 0;
            foreach (var n in nodeArray.EnumerateArray())
            {
                // One rule for a node's shape (the graph store's); a repeated node_id is taken as circuit-tracer's frontend takes it: the later node wins.
                if (GraphNodeRules.FirstFault(n, promptTokens) is { } fault)
                {
                    Error($"nodes[{i}]{(fault.Field.Length > 0 ? "." + fault.Field : "")}", $"{(fault.Field.Length > 0 ? fault.Field + " " : "")}{fault.Message}.");
                }
                else if (!IsPlaceholder(n))
                {
                    var node = ReadNode(n, scanName, schemaVersion);
                    if (!ids.Add(node.Id)) nodes.RemoveAll(x => x.Id == node.Id);
                    nodes.Add(node);
                }
                i++;
            }
        }

        var edges = new List<CircuitEdgeDocument>();
        if (!root.TryGetProperty("links", out var linkArray) || linkArray.ValueKind != JsonValueKind.Array)
        {
            Error("links", "links is required and must be an array.");
        }
        else if (linkArray.GetArrayLength() > MaxLinks)
        {
            Error("links", $"At most {MaxLinks} links are accepted (got {linkArray.GetArrayLength()}).");
        }
        else
        {
            var i = 0;
            foreach (var l in linkArray.EnumerateArray())
            {
                var path = $"links[{i++}]";
                if (l.ValueKind != JsonValueKind.Object) { Error(path, "A link must be an object."); continue; }
                var source = l.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : null;
                var target = l.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
                if (source is null || target is null) { Error(path, "source and target are required strings."); continue; }
                if (!l.TryGetProperty("weight", out var w) || w.ValueKind != JsonValueKind.Number || !w.TryGetDouble(out var weight) || !double.IsFinite(weight))
                {
                    Error($"{path}.weight", "weight is required and must be a finite number.");
                    continue;
                }
                if (!ids.Contains(source)) Error($"{path}.source", $"Link source '{source}' is not a node_id in nodes.");
                if (!ids.Contains(target)) Error($"{path}.target", $"Link target '{target}' is not a node_id in nodes.");
                var kind = l.TryGetProperty("archive_kind", out var k) && k.ValueKind == JsonValueKind.String && CircuitKinds.ParseEdge(k.GetString()) is not null
                    ? k.GetString()! : "attribution";
                edges.Add(new CircuitEdgeDocument(source, target, weight, kind));
            }
        }

        var pinned = new List<string>();
        if (root.TryGetProperty("qParams", out var q) && q.ValueKind == JsonValueKind.Object &&
            q.TryGetProperty("pinnedIds", out var pins) && pins.ValueKind == JsonValueKind.Array)
        {
            foreach (var pin in pins.EnumerateArray())
            {
                if (pin.ValueKind == JsonValueKind.String && ids.Contains(pin.GetString()!)) pinned.Add(pin.GetString()!);
            }
        }

        if (errors.Count > 0) return (null, [], Flatten(errors));
        if (nodes.Count == 0) return (null, [], new() { ["nodes"] = ["The graph has no nodes."] });

        if (subgraphOnly && pinned.Count > 0)
        {
            var keep = pinned.ToHashSet(StringComparer.Ordinal);
            nodes = nodes.Where(n => keep.Contains(n.Id)).ToList();
            edges = edges.Where(e => keep.Contains(e.Source) && keep.Contains(e.Target)).ToList();
        }
        var circuit = new CircuitDocument(circuitSlug, title, description, prompt.Length == 0 ? null : prompt,
            promptTokens.Count == 0 ? null : promptTokens, nodes, edges);
        return (circuit, pinned, []);
    }

    /// <summary>A node <see cref="GraphNodeRules"/> accepted, as a circuit node.</summary>
    private static CircuitNodeDocument ReadNode(JsonElement n, string scan, int? schemaVersion)
    {
        var id = n.GetProperty("node_id").GetString()!;
        var featureType = n.GetProperty("feature_type").GetString()!;
        var clerp = n.TryGetProperty("clerp", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var position = n.GetProperty("ctx_idx").GetInt32();
        var f = n.GetProperty("feature");
        long? featureId = f.ValueKind == JsonValueKind.Number ? f.GetInt64() : null;
        var l = n.GetProperty("layer");
        var layerText = l.ValueKind == JsonValueKind.String ? l.GetString()! : l.GetInt32().ToString(CultureInfo.InvariantCulture);
        int? layer = int.TryParse(layerText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedLayer) ? parsedLayer : null;
        // A transcoder id may pair layer and index (CLT graphs, past 2³¹); the circuit keeps the index within the layer.
        int? feature = GraphFeatureIds.Decode(featureId, featureType, layerText, schemaVersion, scan) is { Index: <= int.MaxValue } decoded
            ? (int)decoded.Index
            : featureId is >= int.MinValue and <= int.MaxValue ? (int)featureId : null;

        double? Number(string name) => n.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;
        var archive = n.TryGetProperty("archive", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
        string? ArchiveString(string name) => archive.ValueKind == JsonValueKind.Object && archive.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        int? ArchiveInt(string name) => archive.ValueKind == JsonValueKind.Object && archive.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

        // Our own exports say exactly which fields were unset; other tools' graphs always carry a ctx_idx and layer.
        var fromArchive = archive.ValueKind == JsonValueKind.Object;
        var kind = ArchiveString("kind") is { } k && CircuitKinds.ParseNode(k) is not null ? k : KindFromFeatureType(featureType);
        var head = ArchiveInt("head") ?? (kind == "attn_head" ? feature : null);
        var index = fromArchive ? ArchiveInt("index") : kind == "attn_head" ? null : feature;
        var dictionary = ArchiveString("dictionary");
        return new CircuitNodeDocument(
            id, kind,
            fromArchive ? ArchiveInt("layer") : kind is "embed" or "pos_embed" or "logit" ? null : layer,
            head, index,
            fromArchive ? ArchiveInt("position") : position,
            ArchiveString("label") ?? (string.IsNullOrWhiteSpace(clerp) ? id : clerp!), ArchiveString("description") ?? "",
            dictionary is not null && index is { } fi ? new CircuitFeatureLink(dictionary, fi) : null,
            Number("activation"), Number("influence"));
    }

    private static Dictionary<string, string[]> Flatten(Dictionary<string, List<string>> errors) =>
        errors.Take(50).ToDictionary(e => e.Key, e => e.Value.ToArray());
}
