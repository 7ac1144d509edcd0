using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Circuits;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Graphs;

/// <summary>One node as the graph page's table lists it; <see cref="Clerp"/> is filled in as circuit-tracer shows it.</summary>
public sealed record GraphNodeRow(
    string NodeId, string FeatureType, string Layer, int CtxIdx, string Token, long? Feature, string? FeatureText,
    string Clerp, double? Activation, double? Influence, double? TokenProb, string? Supernode);

/// <summary>A named group of nodes (<c>qParams.supernodes</c>: <c>[label, node_id, ...]</c>).</summary>
public sealed record GraphSupernode(string Label, IReadOnlyList<string> NodeIds);

/// <summary>
/// What the graph page renders without script: the stored row and, from the file, the prompt tokens, the pinned
/// subgraph with its supernodes, and the logits and most influential nodes. <see cref="FileReadable"/> is false when
/// the blob is missing from the store (the summary still renders).
/// </summary>
public sealed record GraphPageData(
    AttributionGraphFile Graph, bool FileReadable, IReadOnlyList<string> PromptTokens, int? SchemaVersion,
    IReadOnlyList<GraphNodeRow> Pinned, IReadOnlyList<GraphSupernode> Supernodes, IReadOnlyList<GraphNodeRow> Leading)
{
    /// <summary>The archive's dictionaries a node may link to (<see cref="GraphDictionaries"/>).</summary>
    public GraphDictionaries Dictionaries { get; init; } = GraphDictionaries.None;
}

/// <summary>
/// Which of the archive's feature pages a graph's nodes can link to: a node the archive exported names its dictionary
/// (<c>archive.dictionary</c>, kept when it is one of <see cref="Known"/>); a transcoder node of a graph whose <c>scan</c>
/// is an archive model links by its layer to that model's dictionary at that layer (<see cref="ByLayer"/>), when there is
/// exactly one.
/// </summary>
public sealed record GraphDictionaries(IReadOnlyList<string> Known, IReadOnlyDictionary<string, string> ByLayer)
{
    public static readonly GraphDictionaries None = new([], new Dictionary<string, string>());

    public static async Task<GraphDictionaries> LoadAsync(ArchiveDbContext db, string scan, CancellationToken ct)
    {
        var rows = await db.FeatureDictionaries.AsNoTracking().Select(d => new { d.Slug, d.HookLayer, Model = d.Model.Slug }).ToListAsync(ct);
        var byLayer = rows.Where(r => r.Model == scan).GroupBy(r => r.HookLayer).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Single().Slug);
        return new([.. rows.Select(r => r.Slug).Order(StringComparer.Ordinal)], byLayer);
    }
}

/// <summary>
/// Loads a graph page. The file is read with the links skipped one at a time as they stream past, so memory follows
/// the node count (at most <see cref="GraphFileReader.MaxNodes"/>), never the 40,000 links or the 64 MB cap.
/// </summary>
public static class GraphPageQuery
{
    /// <summary>How many non-logit nodes the table lists when the file pins none.</summary>
    public const int LeadingNodes = 40;

    private static readonly JsonSerializerOptions Options = new() { MaxDepth = 64 };

    public static async Task<GraphPageData?> LoadAsync(ArchiveDbContext db, IBlobStore store, Guid id, CancellationToken ct)
    {
        var graph = await db.AttributionGraphs.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        if (graph is null) return null;
        FileShape? file;
        try
        {
            await using var stream = await store.OpenReadAsync(ContentHash.Parse(graph.Sha256), null, ct);
            file = await JsonSerializer.DeserializeAsync<FileShape>(stream, Options, ct);
        }
        catch (BlobNotFoundException)
        {
            file = null;
        }
        if (file is null) return new(graph, false, [], null, [], [], []);

        var tokens = file.Metadata?.PromptTokens ?? [];
        var schemaVersion = file.Metadata?.SchemaVersion is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var sv) ? sv : (int?)null;
        var (pinnedIds, supernodes) = QParams(file.QParams);
        var groupOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in supernodes)
            foreach (var nodeId in s.NodeIds) groupOf.TryAdd(nodeId, s.Label);

        // A repeated node_id means the later node, as both tools' frontends read it.
        var byId = new Dictionary<string, GraphNodeRow>(StringComparer.Ordinal);
        var rows = new List<GraphNodeRow>(file.Nodes.Count);
        foreach (var n in file.Nodes)
        {
            var row = Row(n, tokens, schemaVersion, graph.Scan, groupOf.GetValueOrDefault(n.NodeId));
            rows.Add(row);
            byId[row.NodeId] = row;
        }
        var pinned = pinnedIds.Concat(supernodes.SelectMany(s => s.NodeIds)).Distinct(StringComparer.Ordinal)
            .Select(byId.GetValueOrDefault).OfType<GraphNodeRow>().ToList();
        var leading = rows.Where(r => r.FeatureType == "logit").OrderByDescending(r => r.TokenProb)
            .Concat(rows.Where(r => r.FeatureType != "logit" && r.Influence is not null).OrderBy(r => r.Influence).Take(LeadingNodes))
            .ToList();
        return new(graph, true, tokens, schemaVersion, pinned, supernodes, leading) { Dictionaries = await GraphDictionaries.LoadAsync(db, graph.Scan, ct) };
    }

    private static GraphNodeRow Row(NodeShape n, IReadOnlyList<string> tokens, int? schemaVersion, string scan, string? supernode)
    {
        var layer = n.Layer.ValueKind == JsonValueKind.String ? n.Layer.GetString()! : n.Layer.GetRawText();
        var type = n.FeatureType ?? "";
        var token = n.CtxIdx >= 0 && n.CtxIdx < tokens.Count ? GraphTokens.Visible(tokens[n.CtxIdx]) : "";
        // circuit-tracer's formatData: an embedding's clerp is always its token; an MLP error's, when empty.
        var clerp = type switch
        {
            "embedding" => $"Emb: “{token}\"",
            "mlp reconstruction error" when string.IsNullOrEmpty(n.Clerp) => $"Err: mlp “{token}\"",
            _ => n.Clerp ?? "",
        };
        return new(n.NodeId, type, layer, n.CtxIdx, token, n.Feature, GraphFeatureIds.Describe(n.Feature, type, layer, schemaVersion, scan),
            clerp, n.Activation, n.Influence, type == "logit" ? n.TokenProb : null, supernode);
    }

    private static (List<string> Pinned, List<GraphSupernode> Supernodes) QParams(JsonElement q)
    {
        if (q.ValueKind != JsonValueKind.Object) return ([], []);
        var pinned = q.TryGetProperty("pinnedIds", out var p) ? p.ValueKind switch
        {
            JsonValueKind.Array => p.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList(),
            // circuit-tracer's frontend also takes a comma-joined string.
            JsonValueKind.String => [.. p.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries)],
            _ => [],
        } : [];
        var supernodes = q.TryGetProperty("supernodes", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray()
                .Where(g => g.ValueKind == JsonValueKind.Array && g.GetArrayLength() > 1 && g.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
                .Select(g => new GraphSupernode(g[0].GetString()!, [.. g.EnumerateArray().Skip(1).Select(x => x.GetString()!)]))
                .ToList()
            : [];
        return (pinned, supernodes);
    }

    private sealed class FileShape
    {
        [JsonPropertyName("metadata")] public MetadataShape? Metadata { get; set; }
        [JsonPropertyName("qParams")] public JsonElement QParams { get; set; }
        [JsonPropertyName("nodes")] public List<NodeShape> Nodes { get; set; } = [];
        [JsonPropertyName("links")] public DiscardedItems? Links { get; set; }
    }

    private sealed class MetadataShape
    {
        [JsonPropertyName("prompt_tokens")] public List<string> PromptTokens { get; set; } = [];
        [JsonPropertyName("schema_version")] public JsonElement? SchemaVersion { get; set; }
    }

    private sealed class NodeShape
    {
        [JsonPropertyName("node_id")] public string NodeId { get; set; } = "";
        [JsonPropertyName("feature")] public long? Feature { get; set; }
        [JsonPropertyName("layer")] public JsonElement Layer { get; set; }
        [JsonPropertyName("ctx_idx")] public int CtxIdx { get; set; }
        [JsonPropertyName("feature_type")] public string? FeatureType { get; set; }
        [JsonPropertyName("clerp")] public string? Clerp { get; set; }
        [JsonPropertyName("activation")] public double? Activation { get; set; }
        [JsonPropertyName("influence")] public double? Influence { get; set; }
        [JsonPropertyName("token_prob")] public double? TokenProb { get; set; }
    }

    /// <summary>An empty object per link: the serializer reads (and forgets) one link at a time instead of buffering the
    /// whole array to skip it.</summary>
    private sealed class Discarded;

    /// <summary>A collection that keeps nothing, so the links stream past.</summary>
    private sealed class DiscardedItems : ICollection<Discarded>
    {
        public int Count { get; private set; }
        public bool IsReadOnly => false;
        public void Add(Discarded item) => Count++;
        public void Clear() => Count = 0;
        public bool Contains(Discarded item) => false;
        public void CopyTo(Discarded[] array, int arrayIndex) { }
        public bool Remove(Discarded item) => false;
        public IEnumerator<Discarded> GetEnumerator() => Enumerable.Empty<Discarded>().GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>Prompt tokens as circuit-tracer's frontend shows them: newline ⏎, tab →, carriage return ↵.</summary>
public static class GraphTokens
{
    public static string Visible(string token) => token.Replace("\n", "⏎").Replace("\t", "→").Replace("\r", "↵");
}
