using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Archive.Tests.Shared;
using Archive.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Graphs;

/// <summary>
/// Attribution graphs stored as the field's tools wrote them: every real circuit-tracer graph goes in and comes back
/// byte for byte; malformed input gets a ProblemDetails naming the fault and leaves nothing stored.
/// </summary>
public sealed class GraphStoreTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string> CircuitTracerGraphs() => [.. InteropFiles.CircuitTracerGraphs()];

    private static ByteArrayContent Json(byte[] body, string mediaType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static ByteArrayContent Json(string body) => Json(Encoding.UTF8.GetBytes(body));

    private const string MinimalNode = """{"node_id": "E_1_0", "feature": 0, "layer": "E", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "E_1-0", "clerp": ""}""";

    private static string Graph(string nodes, string links = "[]") => $$"""
        {"metadata": {"slug": "t", "scan": "gemma-2-2b", "prompt_tokens": ["<bos>", "a"], "prompt": "<bos>a"},
         "qParams": {"pinnedIds": [], "supernodes": [], "linkType": "both", "clickedId": "", "sg_pos": ""},
         "nodes": {{nodes}}, "links": {{links}}}
        """;

    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(CircuitTracerGraphs))]
    public async Task A_circuit_tracer_graph_is_stored_and_comes_back_byte_for_byte(string file)
    {
        var bytes = await File.ReadAllBytesAsync(InteropFiles.Require(Path.Combine("circuit-tracer", file)));
        using var client = archive.CreateClient();

        using var created = await client.PostAsync("/api/v1/graphs", Json(bytes));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var info = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(created.Headers.Location!.OriginalString, info.GetProperty("fileUrl").GetString());

        using var back = await client.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(bytes, await back.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/json", back.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", back.Headers.CacheControl!.ToString());

        using var original = JsonDocument.Parse(bytes);
        Assert.Equal(original.RootElement.GetProperty("nodes").GetArrayLength(), info.GetProperty("nodeCount").GetInt32());
        Assert.Equal(original.RootElement.GetProperty("links").GetArrayLength(), info.GetProperty("linkCount").GetInt32());
        Assert.Equal(original.RootElement.GetProperty("metadata").GetProperty("slug").GetString(), info.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_repeated_node_id_is_accepted_with_a_warning_as_the_frontends_read_it()
    {
        var bytes = await File.ReadAllBytesAsync(InteropFiles.Require("circuit-tracer/dollar.json"));
        using var client = archive.CreateClient();

        using var created = await client.PostAsync("/api/v1/graphs", Json(bytes));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var warnings = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.StartsWith("node_id '0_2_1' appears at nodes[", StringComparison.Ordinal) && w.Contains("links attach to the later one"));
    }

    [Fact]
    public async Task The_same_bytes_uploaded_twice_are_one_graph_and_one_blob()
    {
        using var client = archive.CreateClient();
        var body = Graph($"[{MinimalNode}]");

        using var first = await client.PostAsync("/api/v1/graphs", Json(body));
        using var second = await client.PostAsync("/api/v1/graphs", Json(body));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(),
            (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        await using var db = archive.CreateDbContext();
        Assert.Equal(1, await db.AttributionGraphs.CountAsync());
    }

    [Fact]
    public async Task A_feature_id_past_two_to_the_31_is_kept_exactly()
    {
        using var client = archive.CreateClient();
        var body = Graph($$"""[{{MinimalNode}}, {"node_id": "25_4816760324_1", "feature": 4816760324, "layer": "25", "ctx_idx": 1, "feature_type": "cross layer transcoder", "jsNodeId": "x", "clerp": "bee", "influence": 0.5, "activation": 3.25}]""");

        using var created = await client.PostAsync("/api/v1/graphs", Json(body));
        var back = await client.GetStringAsync(created.Headers.Location);

        using var graph = JsonDocument.Parse(back);
        Assert.Equal(4816760324L, graph.RootElement.GetProperty("nodes")[1].GetProperty("feature").GetInt64());
    }

    [Fact]
    public async Task A_bad_node_is_named_once_and_its_links_are_not_blamed_for_it()
    {
        using var client = archive.CreateClient();
        var body = Graph(
            $$"""[{{MinimalNode}}, {"node_id": "1_2_1", "feature": "two", "layer": "1", "ctx_idx": 1, "feature_type": "cross layer transcoder"}]""",
            """[{"source": "E_1_0", "target": "1_2_1", "weight": 1.5}, {"source": "1_2_1", "target": "nowhere", "weight": 1}]""");

        using var response = await client.PostAsync("/api/v1/graphs", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["links[1].target", "nodes[1].feature"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData("{\"metadata\": {}}", "metadata.slug")]
    [InlineData("{\"metadata\": {\"slug\": \"s\", \"scan\": \"m\", \"prompt\": \"p\", \"prompt_tokens\": [\"a\"]}, \"nodes\": [], \"links\": []}", "qParams")]
    [InlineData("[1, 2]", "$")]
    public async Task A_graph_missing_what_the_tools_require_is_a_validation_problem(string body, string field)
    {
        using var client = archive.CreateClient();

        using var response = await client.PostAsync("/api/v1/graphs", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.TryGetProperty("errors", out var errors) ? errors.TryGetProperty(field, out _) : field == "$",
            $"expected a fault at {field}: {problem}");
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_string_is_a_400_problem_not_a_server_error()
    {
        using var client = archive.CreateClient();
        var body = Encoding.UTF8.GetBytes(Graph($"[{MinimalNode}]").Replace("\"prompt\": \"<bos>a\"", "\"prompt\": \"<bos>#\"", StringComparison.Ordinal));
        body[Array.IndexOf(body, (byte)'#')] = 0xC3; // a lead byte with no continuation

        using var response = await client.PostAsync("/api/v1/graphs", Json(body));

        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid UTF-8", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_json_is_a_415_problem(string mediaType)
    {
        using var client = archive.CreateClient();

        using var response = await client.PostAsync("/api/v1/graphs", Json(Encoding.UTF8.GetBytes(Graph($"[{MinimalNode}]")), mediaType));

        Assert.True(HttpStatusCode.UnsupportedMediaType == response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_body_past_the_size_cap_is_a_413_problem_whether_or_not_it_says_its_length()
    {
        await using var site = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:Archive", archive.ConnectionString);
            web.UseSetting("Blobs:Directory", archive.BlobDirectory);
            web.UseSetting("Archive:MaxGraphBytes", "1000");
        });
        using var client = site.CreateClient();
        var big = Encoding.UTF8.GetBytes(Graph($"[{MinimalNode}]").Replace("\"t\"", "\"" + new string('x', 2000) + "\"", StringComparison.Ordinal));

        using var declared = await client.PostAsync("/api/v1/graphs", Json(big));
        var chunked = new StreamContent(new MemoryStream(big));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/graphs") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var undeclared = await client.SendAsync(request);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.RequestEntityTooLarge), (declared.StatusCode, undeclared.StatusCode));
        Assert.Equal("application/problem+json", undeclared.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_stored_graph_answers_conditional_requests_and_unknown_ids_are_404_problems()
    {
        using var client = archive.CreateClient();
        using var created = await client.PostAsync("/api/v1/graphs", Json(Graph($"[{MinimalNode}]")));
        using var first = await client.GetAsync(created.Headers.Location);

        using var again = new HttpRequestMessage(HttpMethod.Get, created.Headers.Location);
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var notModified = await client.SendAsync(again);
        using var missing = await client.GetAsync($"/api/v1/graphs/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_list_pages_newest_first_with_a_cursor()
    {
        using var client = archive.CreateClient();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await client.PostAsync("/api/v1/graphs", Json(Graph($"[{MinimalNode}]").Replace("\"t\"", $"\"t{i}\"", StringComparison.Ordinal)));
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        var page1 = await client.GetFromJsonAsync<JsonElement>("/api/v1/graphs?limit=2");
        var page2 = await client.GetFromJsonAsync<JsonElement>($"/api/v1/graphs?limit=2&after={page1.GetProperty("next").GetString()}");
        using var badLimit = await client.GetAsync("/api/v1/graphs?limit=0");

        var seen = page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray()).Select(g => g.GetProperty("id").GetGuid());
        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    private async Task AssertNothingStoredAsync()
    {
        await using var db = archive.CreateDbContext();
        Assert.Equal(0, await db.AttributionGraphs.CountAsync());
        Assert.False(await db.Blobs.AnyAsync(b => b.MediaType == "application/json"));
        var staging = Path.Combine(archive.BlobDirectory, "tmp");
        Assert.True(!Directory.Exists(staging) || Directory.GetFiles(staging).Length == 0, "a refused upload left a staging file");
    }
}
