using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Archive.Data.Circuits;
using Archive.Tests.Shared;
using Archive.Web.Graphs;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Graphs;

/// <summary>
/// The graph pages as HTML, without script: the summary, the pinned subgraph as a table, the list with its cursor,
/// the embeddable view and its framing policy, and 404 for what is not there. The drawing is GraphBrowserTests.
/// </summary>
public sealed class GraphPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Dollar = "dollar.json";
    private const string GemmaSmallBig = "gemma-small-big-en_2025-11-13T10-16-02-770Z.json";

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpResponseMessage Response, string Html)> GetAsync(string url)
    {
        var response = await archive.CreateClient().GetAsync(url, Ct);
        return (response, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task The_page_serves_the_summary_without_script()
    {
        var id = await GraphUploads.UploadInteropAsync(archive, Dollar);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(InteropFiles.Require($"circuit-tracer/{Dollar}"))));
        using var file = GraphUploads.ReadInterop(Dollar);
        var metadata = file.RootElement.GetProperty("metadata");

        var (response, html) = await GetAsync($"/graphs/{id}");
        // The server reads the whole file for the node table (links skipped as they stream past): printed, not asserted.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await GetAsync($"/graphs/{id}");
        TestContext.Current.TestOutputHelper?.WriteLine($"dollar.json's page rendered on the server in {clock.ElapsedMilliseconds} ms (warm)");

        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Contains($"<title>{metadata.GetProperty("slug").GetString()} · Attribution graph · Specimen Archive</title>", html);
        Assert.Contains($"<h1 id=\"graph-title\">{metadata.GetProperty("slug").GetString()}</h1>", html);
        Assert.Contains($"<dd>{metadata.GetProperty("prompt").GetString()}</dd>", html);
        Assert.Contains("<span class=\"token\"> US</span>", html);
        Assert.Contains("<div><dt>Nodes</dt><dd>829</dd></div>", html);
        Assert.Contains("<div><dt>Links</dt><dd>40,249</dd></div>", html);
        Assert.Contains($"<code class=\"hash hash-full\">{sha256}</code>", html);
        Assert.Contains($"href=\"/api/v1/graphs/{id}\"", html);
        Assert.Contains("node_id '0_2_1' appears at nodes[", html);
        // The drawing's hooks, and the text alternative: the file pins nothing, so the logits and the leading nodes.
        Assert.Contains($"data-src=\"/api/v1/graphs/{id}\" data-state=\"loading\"", html);
        Assert.Matches("data-module=\"js/graph-view(\\.[a-z0-9]+)?\\.js\"", html);
        Assert.Contains($"Logits and the {GraphPageQuery.LeadingNodes} most influential nodes", html);
        var logit = file.RootElement.GetProperty("nodes").EnumerateArray().First(n => n.GetProperty("is_target_logit").GetBoolean());
        Assert.Contains($"<tr data-node-id=\"{logit.GetProperty("node_id").GetString()}\"><th scope=\"row\">{logit.GetProperty("clerp").GetString()} ", html);
        Assert.Matches("<a [^>]*href=\"/graphs\"[^>]*class=\"active\"[^>]*>Graphs</a>|<a [^>]*class=\"active\"[^>]*href=\"/graphs\"[^>]*>Graphs</a>",
            Regex.Match(html, "<a [^>]*href=\"/graphs\"[^>]*>Graphs</a>").Value);
    }

    [Fact]
    public async Task The_pinned_subgraph_is_a_table_with_supernodes_and_decoded_features()
    {
        var id = await GraphUploads.UploadInteropAsync(archive, GemmaSmallBig);
        using var file = GraphUploads.ReadInterop(GemmaSmallBig);
        var q = file.RootElement.GetProperty("qParams");
        var supernodes = q.GetProperty("supernodes").EnumerateArray().Select(s => s.EnumerateArray().Select(x => x.GetString()!).ToList()).ToList();
        var shown = q.GetProperty("pinnedIds").EnumerateArray().Select(p => p.GetString()!).Concat(supernodes.SelectMany(s => s.Skip(1))).Distinct().ToList();

        var (response, html) = await GetAsync($"/graphs/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<summary>Pinned nodes ({shown.Count})</summary>", html);
        Assert.Equal(shown.Order(StringComparer.Ordinal), Regex.Matches(html, "<tr data-node-id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
        Assert.Contains($"<summary>Supernodes ({supernodes.Count})</summary>", html);
        foreach (var s in supernodes) Assert.Contains($"<li><strong>{s[0]}</strong>", html);
        // This file predates Cantor ids: a gemma-2-2b feature is layer·10⁵ + index.
        var feature = file.RootElement.GetProperty("nodes").EnumerateArray().First(n => n.GetProperty("node_id").GetString() == "23_8683_8");
        Assert.Equal(2308683, feature.GetProperty("feature").GetInt64());
        Assert.Contains("<span title=\"feature 2308683\">L23 #8683</span>", html);
    }

    [Theory]
    [InlineData("/graphs/00000000-0000-7000-8000-000000000000")]
    [InlineData("/graphs/00000000-0000-7000-8000-000000000000?embed=true")]
    [InlineData("/graphs/not-a-graph")]
    public async Task An_unknown_graph_is_the_sites_404(string url)
    {
        var (response, html) = await GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", html);
    }

    [Fact]
    public async Task The_embeddable_view_has_no_site_chrome_and_only_it_may_be_framed()
    {
        var id = await GraphUploads.UploadInteropAsync(archive, GemmaSmallBig);

        var (embed, embedHtml) = await GetAsync($"/graphs/{id}?embed=true");
        var (page, pageHtml) = await GetAsync($"/graphs/{id}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (embed.StatusCode, page.StatusCode));
        Assert.DoesNotContain("site-header", embedHtml);
        Assert.DoesNotContain("site-footer", embedHtml);
        Assert.Contains("<main id=\"main\" class=\"embed\"", embedHtml);
        Assert.Contains("class=\"graph-view is-embedded\"", embedHtml);
        Assert.Contains("frame-ancestors *", string.Join(";", embed.Headers.GetValues("Content-Security-Policy")));
        Assert.False(embed.Headers.Contains("X-Frame-Options"));

        // Every other page keeps the site's policy (antiforgery's X-Frame-Options: SAMEORIGIN).
        Assert.Contains("site-header", pageHtml);
        Assert.Equal("SAMEORIGIN", string.Join(",", page.Headers.GetValues("X-Frame-Options")));
        Assert.False(page.Headers.TryGetValues("Content-Security-Policy", out var policy) && policy.Any(p => p.Contains("frame-ancestors *")),
            "the ordinary page must not open itself to framing");
    }

    [Fact]
    public async Task The_list_is_newest_first_and_pages_with_the_api_cursor()
    {
        // Rows straight into the database: the list reads only rows (version-7 ids, so insertion order is upload order).
        var sha256 = (await archive.StoreFileAsync(Encoding.UTF8.GetBytes(MinimalGraph("any")))).Hex;
        var ids = new List<Guid>();
        await using (var db = archive.CreateDbContext())
        {
            for (var i = 0; i < GraphList.PageSize + 1; i++)
            {
                var graph = new AttributionGraphFile
                {
                    Id = Guid.CreateVersion7(), Sha256 = sha256, Slug = $"graph-{i:00}", Scan = "gemma-2-2b", Prompt = "<bos>a",
                    NodeCount = 1, UploadedAt = DateTimeOffset.UtcNow, UploadedBy = "test",
                };
                db.AttributionGraphs.Add(graph);
                ids.Add(graph.Id);
                await Task.Delay(2, Ct); // distinct milliseconds, so the ids sort as they were made
            }
            await db.SaveChangesAsync(Ct);
        }

        var (_, first) = await GetAsync("/graphs");
        var (_, second) = await GetAsync($"/graphs?after={ids[1]}");

        var firstRows = Regex.Matches(first, "<th scope=\"row\"><a href=\"/graphs/([0-9a-f-]+)\">").Select(m => Guid.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(Enumerable.Reverse(ids).Take(GraphList.PageSize), firstRows);
        Assert.Contains($"<a rel=\"next\" href=\"/graphs?after={ids[1]}\">Older →</a>", first);
        Assert.Contains("<a href=\"/graphs/" + ids[^1] + "\">graph-25</a>", first);
        Assert.Contains("curl -sS -X POST -H 'Content-Type: application/json' --data-binary @graph.json http://127.0.0.1:", first);
        Assert.Contains($"<a href=\"/graphs/{ids[0]}\">graph-00</a>", second);
        Assert.Contains("<a href=\"/graphs\">← Newest</a>", second);
        Assert.Contains("<span class=\"disabled\" aria-hidden=\"true\">Older →</span>", second);
    }

    [Fact]
    public async Task The_list_says_so_when_there_are_none()
    {
        var (response, html) = await GetAsync("/graphs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("No attribution graph has been uploaded yet.", html);
    }

    private static string MinimalGraph(string slug) => $$"""
        {"metadata": {"slug": "{{slug}}", "scan": "gemma-2-2b", "prompt_tokens": ["<bos>", "a"], "prompt": "<bos>a"},
         "qParams": {"pinnedIds": [], "supernodes": [], "linkType": "both", "clickedId": "", "sg_pos": ""},
         "nodes": [{"node_id": "E_1_0", "feature": 0, "layer": "E", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "E_1-0", "clerp": ""}],
         "links": []}
        """;
}
