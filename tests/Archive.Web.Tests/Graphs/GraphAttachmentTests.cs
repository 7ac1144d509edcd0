using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Archive.Data.Accounts;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Graphs;

/// <summary>
/// Attribution graphs attached to a specimen's circuit: by its submitter or a reviewer only, shown on the specimen page
/// under the circuit and on the graph's page, and only to those who may see the specimen.
/// </summary>
public sealed class GraphAttachmentTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Secret = "Secret circuit specimen";
    private DraftScenario draft = null!;

    public async ValueTask InitializeAsync() => draft = await DraftScenario.CreateAsync(archive, Secret);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private const string Path = $"/api/v1/specimens/{DraftScenario.Slug}/circuits/induction/graphs";

    private async Task<Guid> UploadAsync(string prompt)
    {
        var graph = $$"""
            {"metadata": {"slug": "g", "scan": "attn-only-2l", "prompt_tokens": ["<bos>", "a"], "prompt": "{{prompt}}"},
             "qParams": {"pinnedIds": [], "supernodes": [], "linkType": "both", "clickedId": "", "sg_pos": ""},
             "nodes": [{"node_id": "E_1_0", "feature": 0, "layer": "E", "ctx_idx": 0, "feature_type": "embedding", "jsNodeId": "E_1-0", "clerp": ""}],
             "links": []}
            """;
        using var content = new StringContent(graph, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var created = await archive.CreateClient().PostAsync("/api/v1/graphs", content, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private async Task<HttpClient> KeyedAsync(string handle, ApiKeyScopes scopes = ApiKeyScopes.Read | ApiKeyScopes.Submit | ApiKeyScopes.Review) =>
        archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts[handle], scopes));

    [Fact]
    public async Task The_submitter_attaches_a_graph_and_it_shows_under_the_circuit_and_on_its_page_to_those_who_may_see_the_specimen()
    {
        var id = await UploadAsync("The capital of Texas is");
        using var author = await KeyedAsync("author");

        using var attached = await author.PutAsync($"{Path}/{id}", null, Ct);
        Assert.Equal(HttpStatusCode.OK, attached.StatusCode);
        var listed = await author.GetFromJsonAsync<JsonElement>(Path, Ct);
        Assert.Equal(id, listed[0].GetProperty("id").GetGuid());

        using var session = await archive.SignInAsync("author");
        var specimenPage = await session.GetPageAsync($"/specimens/{DraftScenario.Slug}");
        Assert.Contains($"href=\"/graphs/{id}\"", specimenPage);
        var graphPage = await session.GetPageAsync($"/graphs/{id}");
        Assert.Contains($"href=\"/specimens/{DraftScenario.Slug}#circuit-induction\"", graphPage);

        // The graph itself stays public, but not the draft it belongs to.
        var anonymousGraphPage = await archive.CreateClient().GetStringAsync($"/graphs/{id}", Ct);
        Assert.DoesNotContain(Secret, anonymousGraphPage);
        Assert.DoesNotContain($"/specimens/{DraftScenario.Slug}", anonymousGraphPage);
        Assert.Equal(HttpStatusCode.NotFound, (await archive.CreateClient().GetAsync(Path, Ct)).StatusCode);
    }

    [Theory]
    [InlineData("other", HttpStatusCode.NotFound)]  // cannot see the draft at all
    [InlineData("reader", HttpStatusCode.NotFound)]
    public async Task Nobody_else_attaches_or_detaches(string handle, HttpStatusCode expected)
    {
        var id = await UploadAsync("a");
        using var outsider = await KeyedAsync(handle);

        using var attach = await outsider.PutAsync($"{Path}/{id}", null, Ct);
        using var detach = await outsider.DeleteAsync($"{Path}/{id}", Ct);
        using var anonymous = await archive.CreateClient().PutAsync($"{Path}/{id}", null, Ct);

        Assert.Equal(expected, attach.StatusCode);
        Assert.Equal(expected, detach.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await using var db = archive.CreateDbContext();
        Assert.Null(await db.AttributionGraphs.Where(g => g.Id == id).Select(g => g.CircuitId).SingleAsync(Ct));
    }

    [Fact]
    public async Task A_reviewer_detaches_and_a_graph_attached_elsewhere_is_a_conflict_and_unknown_ones_are_404()
    {
        var id = await UploadAsync("a");
        using var author = await KeyedAsync("author");
        using var reviewer = await KeyedAsync("reviewer");
        Assert.Equal(HttpStatusCode.OK, (await author.PutAsync($"{Path}/{id}", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await author.PutAsync($"{Path}/{id}", null, Ct)).StatusCode); // idempotent

        await using (var db = archive.CreateDbContext())
        {
            var other = ArchiveTestData.NewSpecimen(await db.Models.FirstAsync(Ct), "other-specimen", "Other");
            other.SubmittedById = draft.Accounts["author"].Id;
            await ArchiveTestData.SaveAsync(db, other);
        }
        using var elsewhere = await author.PutAsync($"/api/v1/specimens/other-specimen/circuits/induction/graphs/{id}", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, elsewhere.StatusCode);
        Assert.Equal("application/problem+json", elsewhere.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.NotFound, (await author.PutAsync($"{Path}/{Guid.NewGuid()}", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await author.PutAsync($"/api/v1/specimens/{DraftScenario.Slug}/circuits/no-such/graphs/{id}", null, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await reviewer.DeleteAsync($"{Path}/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reviewer.DeleteAsync($"{Path}/{id}", Ct)).StatusCode);
        Assert.Equal(0, (await author.GetFromJsonAsync<JsonElement>(Path, Ct)).GetArrayLength());
    }
}
