using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Api;

public sealed class AttributionGraphApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task An_exported_graph_has_the_fields_circuit_tracer_and_neuronpedia_require()
    {
        using var client = archive.CreateClient();

        using var graph = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens/induction/circuits/induction/attribution-graph");
        var root = graph!.RootElement;

        var metadata = root.GetProperty("metadata");
        foreach (var key in new[] { "slug", "scan", "prompt_tokens", "prompt" }) Assert.True(metadata.TryGetProperty(key, out _), key);
        Assert.Equal("attn-only-2l", metadata.GetProperty("scan").GetString());
        Assert.True(root.TryGetProperty("qParams", out _));
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(4, nodes.Count);
        foreach (var node in nodes)
        {
            foreach (var key in new[] { "node_id", "feature", "layer", "ctx_idx", "feature_type", "jsNodeId", "clerp" }) Assert.True(node.TryGetProperty(key, out _), key);
        }
        var head = nodes.Single(n => n.GetProperty("node_id").GetString() == "L1H4");
        Assert.Equal("Induction head 1.4", head.GetProperty("clerp").GetString());
        Assert.Equal("attention head", head.GetProperty("feature_type").GetString());
        Assert.Equal(3, root.GetProperty("links").GetArrayLength());
    }

    [Fact]
    public async Task Export_then_import_gives_back_the_same_circuit_with_its_labels()
    {
        using var client = archive.CreateClient();
        var original = await client.GetStringAsync("/api/v1/specimens/induction/circuits/induction");
        var graph = await client.GetStringAsync("/api/v1/specimens/induction/circuits/induction/attribution-graph");

        using var response = await client.PostAsync("/api/v1/circuits/attribution-graph?slug=induction", new StringContent(graph, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var imported = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        using var expected = JsonDocument.Parse(original);

        Assert.Equal(Nodes(expected.RootElement), Nodes(imported.RootElement));
        Assert.Equal(Edges(expected.RootElement), Edges(imported.RootElement));

        static List<string> Nodes(JsonElement c) => c.GetProperty("nodes").EnumerateArray()
            .Select(n => $"{n.GetProperty("id")}|{n.GetProperty("kind")}|{n.GetProperty("layer")}|{n.GetProperty("head")}|{n.GetProperty("position")}|{n.GetProperty("label")}").Order().ToList();
        static List<string> Edges(JsonElement c) => c.GetProperty("edges").EnumerateArray()
            .Select(e => $"{e.GetProperty("source")}>{e.GetProperty("target")}|{e.GetProperty("weight").GetDouble()}|{e.GetProperty("kind")}").Order().ToList();
    }

    [Fact]
    public async Task A_subgraph_travels_as_pinned_ids_and_can_be_exported_alone()
    {
        using var client = archive.CreateClient();

        using var pinned = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens/induction/circuits/induction/attribution-graph?pinned=L0H1,L1H4");
        Assert.Equal(["L0H1", "L1H4"], pinned!.RootElement.GetProperty("qParams").GetProperty("pinnedIds").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(4, pinned.RootElement.GetProperty("nodes").GetArrayLength());

        using var only = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens/induction/circuits/induction/attribution-graph?pinned=L0H1,L1H4&subgraph=true");
        Assert.Equal(2, only!.RootElement.GetProperty("nodes").GetArrayLength());
        var link = Assert.Single(only.RootElement.GetProperty("links").EnumerateArray());
        Assert.Equal(0.31, link.GetProperty("weight").GetDouble());
    }

    [Fact]
    public async Task A_circuit_tracer_graph_imports_with_its_feature_labels()
    {
        const string graph = """
            {
              "metadata": { "slug": "austin-dallas", "scan": "gemma-2-2b", "prompt_tokens": ["<bos>", "Dallas"], "prompt": "<bos>Dallas" },
              "qParams": { "pinnedIds": ["20_15589_1"], "supernodes": [], "linkType": "both" },
              "nodes": [
                { "node_id": "E_651_1", "feature": 651, "layer": "E", "ctx_idx": 1, "feature_type": "embedding", "jsNodeId": "E_651-1", "clerp": "Emb: Dallas" },
                { "node_id": "20_15589_1", "feature": 15589, "layer": "20", "ctx_idx": 1, "feature_type": "cross layer transcoder", "jsNodeId": "20_15589-1", "clerp": "say Austin", "activation": 9.4, "influence": 0.48 },
                { "node_id": "27_22605_1", "feature": 22605, "layer": "26", "ctx_idx": 1, "feature_type": "logit", "jsNodeId": "L_22605-1", "clerp": "Output \" Austin\"" }
              ],
              "links": [
                { "source": "E_651_1", "target": "20_15589_1", "weight": 12.96 },
                { "source": "20_15589_1", "target": "27_22605_1", "weight": -3.5 }
              ]
            }
            """;
        using var client = archive.CreateClient();

        using var response = await client.PostAsync("/api/v1/circuits/attribution-graph", new StringContent(graph, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var circuit = await response.Content.ReadFromJsonAsync<JsonDocument>();
        var nodes = circuit!.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetString()!);

        Assert.Equal("embed", nodes["E_651_1"].GetProperty("kind").GetString());
        Assert.Equal("feature", nodes["20_15589_1"].GetProperty("kind").GetString());
        Assert.Equal("say Austin", nodes["20_15589_1"].GetProperty("label").GetString());
        Assert.Equal(20, nodes["20_15589_1"].GetProperty("layer").GetInt32());
        Assert.Equal(15589, nodes["20_15589_1"].GetProperty("index").GetInt32());
        Assert.Equal(9.4, nodes["20_15589_1"].GetProperty("activation").GetDouble());
        Assert.Equal("logit", nodes["27_22605_1"].GetProperty("kind").GetString());
        Assert.Equal(-3.5, circuit.RootElement.GetProperty("edges")[1].GetProperty("weight").GetDouble());
        Assert.Equal("<bos>Dallas", circuit.RootElement.GetProperty("prompt").GetString());
    }

    [Theory]
    [InlineData("""[1, 2, 3]""", "$")]
    [InlineData("""{ "nodes": [], "links": [] }""", "metadata")]
    [InlineData("""{ "metadata": { "slug": "x", "scan": "m", "prompt_tokens": [], "prompt": "" }, "nodes": [ { "node_id": "a" } ], "links": [] }""", "nodes[0].feature")]
    [InlineData("""{ "metadata": { "slug": "x", "scan": "m", "prompt_tokens": [], "prompt": "" }, "nodes": [ { "node_id": "a", "feature": null, "layer": "0", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "a", "clerp": "" } ], "links": [ { "source": "a", "target": "ghost", "weight": 1 } ] }""", "links[0].target")]
    public async Task A_malformed_graph_gets_a_validation_problem_naming_the_field(string graph, string field)
    {
        using var client = archive.CreateClient();

        using var response = await client.PostAsync("/api/v1/circuits/attribution-graph", new StringContent(graph, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = await response.Content.ReadFromJsonAsync<JsonDocument>();
        Assert.True(problem!.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task A_repeated_node_id_is_read_as_circuit_tracers_frontend_reads_it_the_later_node_wins()
    {
        const string graph = """{ "metadata": { "slug": "x", "scan": "m", "prompt_tokens": ["a"], "prompt": "a" }, "nodes": [ { "node_id": "a", "feature": null, "layer": "0", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "a", "clerp": "first" }, { "node_id": "a", "feature": 4800000000, "layer": "3", "ctx_idx": 0, "feature_type": "cross layer transcoder", "jsNodeId": "a", "clerp": "second" } ], "links": [] }""";
        using var client = archive.CreateClient();

        using var response = await client.PostAsync("/api/v1/circuits/attribution-graph", new StringContent(graph, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var circuit = await response.Content.ReadFromJsonAsync<JsonDocument>();
        var node = Assert.Single(circuit!.RootElement.GetProperty("nodes").EnumerateArray());
        Assert.Equal("second", node.GetProperty("label").GetString());
    }

    [Fact]
    public async Task Invalid_json_and_oversized_bodies_are_rejected_with_problem_details()
    {
        using var client = archive.CreateClient();

        using var broken = await client.PostAsync("/api/v1/circuits/attribution-graph", new StringContent("{ \"metadata\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("not valid JSON", await broken.Content.ReadAsStringAsync());

        var huge = new StringContent("[" + new string(' ', 65 * 1024 * 1024) + "]", Encoding.UTF8, "application/json");
        using var tooBig = await client.PostAsync("/api/v1/circuits/attribution-graph", huge);
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Equal("application/problem+json", tooBig.Content.Headers.ContentType?.MediaType);
    }
}
