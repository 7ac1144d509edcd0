using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data.Circuits;
using Archive.Tests.Shared;
using Archive.Web.Circuits;
using Archive.Web.Graphs;

namespace Archive.Web.Tests.Circuits;

/// <summary>
/// An exported circuit whose nodes all sit in layer 0 (a one-layer model) must open in Neuronpedia's graph frontend.
/// Its formatCLTGraphData (apps/webapp/app/[modelId]/graph/utils.ts) does
/// <c>const maxLayer = d3.max(nodes.filter(d => d.feature_type !== 'logit'), d => +d.layer); if (!maxLayer) throw new Error('No layer found');</c>
/// so the property pinned here is: the highest <c>+layer</c> over the non-logit nodes is a number other than 0. The
/// export meets it with one unlinked placeholder node in layer 1, which the archive's import drops again.
/// </summary>
public sealed class AttributionGraphLayerZeroTests
{
    /// <summary>A one-layer model's circuit: token embedding, a layer-0 head and feature, a logit.</summary>
    private static CircuitDocument OneLayer() => new("one-layer", "One layer", "Everything happens in layer 0.", "The cat", ["The", " cat"],
    [
        new CircuitNodeDocument("emb", "embed", null, null, null, 1, "Embedding \" cat\"", "", null, null, null),
        new CircuitNodeDocument("L0H2", "attn_head", 0, 2, null, 1, "Previous-token head", "", null, null, 0.3),
        new CircuitNodeDocument("f7", "feature", 0, null, 7, 1, "animal nouns", "fires on animals", new CircuitFeatureLink("one-layer-sae", 7), 2.5, 0.4),
        new CircuitNodeDocument("out", "logit", null, null, null, 1, "sat", "", null, null, null),
    ],
    [
        new CircuitEdgeDocument("emb", "L0H2", 0.5, "attribution"),
        new CircuitEdgeDocument("emb", "f7", 0.25, "attribution"),
        new CircuitEdgeDocument("f7", "out", 0.75, "attribution"),
        new CircuitEdgeDocument("L0H2", "out", -0.125, "attribution"),
    ]);

    /// <summary>
    /// Neuronpedia's maxLayer, computed as its JavaScript does: <c>+d.layer</c> of every node whose feature_type is not
    /// "logit", NaN ("E") skipped, "" read as 0; null where d3.max finds nothing.
    /// </summary>
    private static double? NeuronpediaMaxLayer(JsonNode graph)
    {
        double? max = null;
        foreach (var node in graph["nodes"]!.AsArray())
        {
            if ((string?)node!["feature_type"] == "logit") continue;
            var layer = node["layer"]!;
            var text = layer.GetValueKind() == JsonValueKind.Number ? layer.ToJsonString() : ((string)layer!).Trim();
            double value = 0;
            if (text.Length > 0 && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || double.IsNaN(value))) continue;
            max = max is { } m ? Math.Max(m, value) : value;
        }
        return max;
    }

    /// <summary>What Neuronpedia's <c>if (!maxLayer) throw</c> lets through: a number, and not 0.</summary>
    private static void AssertNeuronpediaFindsALayer(JsonNode graph)
    {
        var max = NeuronpediaMaxLayer(graph);
        Assert.True(max is { } m && m != 0, $"Neuronpedia's formatCLTGraphData would throw 'No layer found' (maxLayer = {max?.ToString(CultureInfo.InvariantCulture) ?? "undefined"}).");
    }

    private static CircuitDocument RoundTrip(JsonNode graph, string slug, bool subgraphOnly = false)
    {
        using var doc = JsonDocument.Parse(graph.ToJsonString());
        var (circuit, _, errors) = AttributionGraph.Import(doc.RootElement, slug, subgraphOnly);
        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        return circuit!;
    }

    [Fact]
    public void A_circuit_whose_highest_non_logit_layer_is_0_exports_with_a_non_zero_max_layer_for_neuronpedia_and_round_trips()
    {
        var circuit = OneLayer();
        var graph = AttributionGraph.Export(circuit, "one-layer", "one-layer-model", null);

        AssertNeuronpediaFindsALayer(graph);
        var nodes = graph["nodes"]!.AsArray().Select(n => n!).ToList();
        // The circuit's own nodes keep their layers: the embedding "E", the head and the feature "0".
        Assert.Equal(["E", "0", "0"], nodes.Where(n => (string?)n["node_id"] is "emb" or "L0H2" or "f7").Select(n => (string?)n["layer"]));
        // What was added is one placeholder above them, no part of the circuit: linked to nothing, pinned nowhere, no feature page.
        var placeholder = Assert.Single(nodes, n => n["archive"]?["placeholder"]?.GetValue<bool>() == true);
        Assert.Equal(circuit.Nodes.Count + 1, nodes.Count);
        Assert.Equal("1", (string?)placeholder["layer"]);
        Assert.Equal("unknown", (string?)placeholder["feature_type"]);
        Assert.Equal("-1", placeholder["feature"]!.ToJsonString());
        var id = (string)placeholder["node_id"]!;
        Assert.DoesNotContain(graph["links"]!.AsArray(), l => (string?)l!["source"] == id || (string?)l["target"] == id);
        Assert.Empty(graph["qParams"]!["pinnedIds"]!.AsArray());
        // The logits stay above every other node, as both frontends place them (maxLayer + 1).
        Assert.Equal("2", (string?)nodes.Single(n => (string?)n["node_id"] == "out")["layer"]);
        // Every node carries what circuit-tracer's Node model requires (feature an integer).
        foreach (var node in nodes)
        {
            foreach (var key in new[] { "node_id", "feature", "layer", "ctx_idx", "feature_type", "jsNodeId", "clerp" }) Assert.NotNull(node[key]);
            Assert.Equal(JsonValueKind.Number, node["feature"]!.GetValueKind());
        }

        var back = RoundTrip(graph, circuit.Slug);
        Assert.Equal(circuit.Nodes, back.Nodes);
        Assert.Equal(circuit.Edges, back.Edges);
        Assert.Equal(circuit.PromptTokens, back.PromptTokens);
        Assert.Equal(circuit.Prompt, back.Prompt);
    }

    [Fact]
    public void A_circuit_of_embeddings_and_logits_alone_also_gets_a_layer_for_neuronpedia()
    {
        // "E" is NaN to +d.layer, so d3.max finds nothing (undefined) and Neuronpedia throws just the same.
        var circuit = new CircuitDocument("direct", "Direct path", "", "a b", ["a", " b"],
            [
                new CircuitNodeDocument("emb", "embed", null, null, null, 0, "Embedding", "", null, null, null),
                new CircuitNodeDocument("out", "logit", null, null, null, 1, "b (p=0.9)", "", null, null, null),
            ],
            [new CircuitEdgeDocument("emb", "out", 1.0, "residual")]);

        var graph = AttributionGraph.Export(circuit, "direct", "m", null);

        AssertNeuronpediaFindsALayer(graph);
        var back = RoundTrip(graph, circuit.Slug);
        Assert.Equal(circuit.Nodes, back.Nodes);
        Assert.Equal(circuit.Edges, back.Edges);
    }

    [Fact]
    public void A_subgraph_of_layer_0_nodes_gets_the_placeholder_and_a_deeper_graph_is_written_as_before()
    {
        CircuitDocument twoLayer = OneLayer() with
        {
            Nodes = [.. OneLayer().Nodes, new CircuitNodeDocument("L1H4", "attn_head", 1, 4, null, 1, "Induction head", "", null, null, null)],
            Edges = [.. OneLayer().Edges, new CircuitEdgeDocument("L0H2", "L1H4", 0.5, "k")],
        };

        var whole = AttributionGraph.Export(twoLayer, "two", "m", null);
        Assert.Equal((double?)1, NeuronpediaMaxLayer(whole));
        Assert.Equal(twoLayer.Nodes.Count, whole["nodes"]!.AsArray().Count);
        Assert.DoesNotContain(whole["nodes"]!.AsArray(), n => n!["archive"]?["placeholder"] is not null);
        Assert.Equal("2", (string?)whole["nodes"]!.AsArray().Single(n => (string?)n!["node_id"] == "out")!["layer"]);

        var layer0 = AttributionGraph.Export(twoLayer, "two", "m", null, ["emb", "L0H2", "out"], subgraphOnly: true);
        AssertNeuronpediaFindsALayer(layer0);
        Assert.Equal(["emb", "L0H2", "out"], layer0["qParams"]!["pinnedIds"]!.AsArray().Select(p => (string?)p));
        var back = RoundTrip(layer0, "two");
        Assert.Equal(twoLayer.Nodes.Where(n => n.Id is "emb" or "L0H2" or "out"), back.Nodes);
    }

    [Fact]
    public void The_placeholder_never_takes_a_node_id_the_circuit_uses()
    {
        var circuit = OneLayer() with
        {
            Nodes = [.. OneLayer().Nodes, new CircuitNodeDocument("archive-layer-placeholder", "mlp", 0, null, null, 0, "MLP 0", "", null, null, null)],
        };

        var graph = AttributionGraph.Export(circuit, "one-layer", "m", null);

        var ids = graph["nodes"]!.AsArray().Select(n => (string)n!["node_id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(circuit.Nodes, RoundTrip(graph, circuit.Slug).Nodes);
    }

    [Fact]
    public void The_export_of_a_layer_0_circuit_passes_neuronpedias_graph_schema()
    {
        using var schema = JsonDocument.Parse(File.ReadAllBytes(InteropFiles.Require(Path.Combine("neuronpedia", "graph-schema.json"))));
        using var graph = JsonDocument.Parse(AttributionGraph.Export(OneLayer(), "one-layer", "one-layer-model", null).ToJsonString());

        var faults = new List<string>();
        SchemaSubset.Validate(schema.RootElement, graph.RootElement, "$", faults);

        Assert.Empty(faults);
    }

    [Fact]
    public async Task A_stored_graph_whose_highest_non_logit_layer_is_0_is_kept_with_a_warning_that_neuronpedia_throws_on_it()
    {
        // Stored graphs come back byte for byte, so the archive cannot add the placeholder there; it says so instead.
        const string graph = """
            {"metadata": {"slug": "t", "scan": "one-layer", "prompt_tokens": ["<bos>", "a"], "prompt": "<bos>a"},
             "qParams": {"pinnedIds": [], "supernodes": [], "linkType": "both", "clickedId": "", "sg_pos": ""},
             "nodes": [
               {"node_id": "E_1_0", "feature": 0, "layer": "E", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "E_1-0", "clerp": ""},
               {"node_id": "0_5_1", "feature": 5, "layer": "0", "ctx_idx": 1, "feature_type": "cross layer transcoder", "jsNodeId": "0_5-0", "clerp": ""},
               {"node_id": "2_9_1", "feature": 9, "layer": "2", "ctx_idx": 1, "feature_type": "logit", "jsNodeId": "L_9-1", "clerp": "Output \"b\" (p=0.500)"}
             ],
             "links": [{"source": "0_5_1", "target": "2_9_1", "weight": 1.0}]}
            """;

        var (summary, errors) = await GraphFileReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(graph)), TestContext.Current.CancellationToken);

        Assert.Empty(errors);
        Assert.Contains(summary!.Warnings, w => w.Contains("No layer found", StringComparison.Ordinal) && w.Contains("the highest is 0", StringComparison.Ordinal));
        var deeper = graph.Replace("\"layer\": \"0\"", "\"layer\": \"1\"", StringComparison.Ordinal);
        var (fine, _) = await GraphFileReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(deeper)), TestContext.Current.CancellationToken);
        Assert.DoesNotContain(fine!.Warnings, w => w.Contains("No layer found", StringComparison.Ordinal));
    }

    /// <summary>
    /// The JSON Schema keywords Neuronpedia's graph-schema.json uses (type, required, properties, additionalProperties,
    /// items, prefixItems, minItems, maxItems); the others there (title, description, examples) assert nothing.
    /// </summary>
    private static class SchemaSubset
    {
        public static void Validate(JsonElement schema, JsonElement value, string path, List<string> faults)
        {
            if (schema.ValueKind != JsonValueKind.Object) return;
            if (schema.TryGetProperty("type", out var type))
            {
                var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
                if (!types.Any(t => Is(t, value))) { faults.Add($"{path}: is {value.ValueKind}, the schema wants {string.Join(" or ", types)}"); return; }
            }
            if (value.ValueKind == JsonValueKind.Object)
            {
                if (schema.TryGetProperty("required", out var required))
                    foreach (var key in required.EnumerateArray().Select(k => k.GetString()!))
                        if (!value.TryGetProperty(key, out _)) faults.Add($"{path}: {key} is required");
                var properties = schema.TryGetProperty("properties", out var p) ? p : default;
                foreach (var member in value.EnumerateObject())
                {
                    if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var sub)) Validate(sub, member.Value, $"{path}.{member.Name}", faults);
                    else if (schema.TryGetProperty("additionalProperties", out var extra))
                    {
                        if (extra.ValueKind == JsonValueKind.False) faults.Add($"{path}: {member.Name} is not allowed");
                        else Validate(extra, member.Value, $"{path}.{member.Name}", faults);
                    }
                }
            }
            if (value.ValueKind == JsonValueKind.Array)
            {
                var items = value.EnumerateArray().ToList();
                if (schema.TryGetProperty("minItems", out var min) && items.Count < min.GetInt32()) faults.Add($"{path}: fewer than {min} items");
                if (schema.TryGetProperty("maxItems", out var max) && items.Count > max.GetInt32()) faults.Add($"{path}: more than {max} items");
                var prefix = schema.TryGetProperty("prefixItems", out var pi) ? pi.EnumerateArray().ToList() : [];
                for (var i = 0; i < items.Count; i++)
                {
                    if (i < prefix.Count) Validate(prefix[i], items[i], $"{path}[{i}]", faults);
                    else if (schema.TryGetProperty("items", out var each)) Validate(each, items[i], $"{path}[{i}]", faults);
                }
            }
        }

        private static bool Is(string type, JsonElement value) => type switch
        {
            "object" => value.ValueKind == JsonValueKind.Object,
            "array" => value.ValueKind == JsonValueKind.Array,
            "string" => value.ValueKind == JsonValueKind.String,
            "number" => value.ValueKind == JsonValueKind.Number,
            "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "null" => value.ValueKind == JsonValueKind.Null,
            _ => true,
        };
    }
}
