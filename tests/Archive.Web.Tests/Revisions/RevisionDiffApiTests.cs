using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Data.Accounts;
using Archive.Data.Specimens;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Revisions;

public sealed class RevisionDiffApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_diff_of_a_revision_compares_it_with_the_previous_one()
    {
        await RevisionTestData.SeedAsync(archive);
        using var client = archive.CreateClient();

        var root = await client.GetFromJsonAsync<JsonElement>($"/api/v1/specimens/{RevisionTestData.Slug}/revisions/2/diff", Ct);

        Assert.Equal(1, root.GetProperty("from").GetProperty("number").GetInt32());
        Assert.Equal(2, root.GetProperty("to").GetProperty("number").GetInt32());
        var diff = root.GetProperty("diff");
        var summary = diff.GetProperty("summary");
        Assert.Equal((5, 1), (summary.GetProperty("linesAdded").GetInt32(), summary.GetProperty("linesRemoved").GetInt32()));
        Assert.Equal((1, 0, 1), Counts(summary.GetProperty("nodes")));
        Assert.Equal((0, 0, 1), Counts(summary.GetProperty("edges")));
        Assert.Equal((1, 1, 1), Counts(summary.GetProperty("claims")));

        var hunk = diff.GetProperty("writeup").GetProperty("hunks").EnumerateArray().Single();
        Assert.Equal("@@ -1,5 +1,9 @@", hunk.GetProperty("header").GetString());
        var removed = hunk.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("kind").GetString() == "Removed");
        Assert.Equal(("Does the model copy?", 3), (removed.GetProperty("text").GetString(), removed.GetProperty("oldNumber").GetInt32()));

        var circuit = diff.GetProperty("circuits").EnumerateArray().Single();
        Assert.Equal(("induction", "Changed"), (circuit.GetProperty("slug").GetString(), circuit.GetProperty("change").GetString()));
        var relabelled = circuit.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("key").GetString() == "L1H4");
        var label = relabelled.GetProperty("fields").EnumerateArray().Single();
        Assert.Equal(("label", "Induction head 1.4", "Induction head (layer 1, head 4)"),
            (label.GetProperty("field").GetString(), label.GetProperty("before").GetString(), label.GetProperty("after").GetString()));
        var edge = circuit.GetProperty("edges").EnumerateArray().Single();
        Assert.Equal(("L0H1", "L1H4", "k", 0.31, 0.45), (edge.GetProperty("source").GetString(), edge.GetProperty("target").GetString(),
            edge.GetProperty("kind").GetString(), edge.GetProperty("weightBefore").GetDouble(), edge.GetProperty("weightAfter").GetDouble()));

        // induction-head's parameters were only reordered: its one change is the threshold.
        var claim = diff.GetProperty("claims").EnumerateArray().Single(c => c.GetProperty("key").GetString() == "induction-head");
        Assert.Equal(["expected"], claim.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Against_compares_with_any_revision_in_either_direction()
    {
        await RevisionTestData.SeedAsync(archive);
        using var client = archive.CreateClient();

        var root = await client.GetFromJsonAsync<JsonElement>($"/api/v1/specimens/{RevisionTestData.Slug}/revisions/1/diff?against=2", Ct);

        var summary = root.GetProperty("diff").GetProperty("summary");
        Assert.Equal((1, 5), (summary.GetProperty("linesAdded").GetInt32(), summary.GetProperty("linesRemoved").GetInt32()));
        Assert.Equal((0, 1, 1), Counts(summary.GetProperty("nodes")));
    }

    [Theory]
    [InlineData("/revisions/1/diff")]
    [InlineData("/revisions/3/diff")]
    [InlineData("/revisions/2/diff?against=7")]
    public async Task Missing_revisions_are_problem_details_404s(string path)
    {
        await RevisionTestData.SeedAsync(archive);
        using var client = archive.CreateClient();

        using var response = await client.GetAsync($"/api/v1/specimens/{RevisionTestData.Slug}{path}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_drafts_diff_is_not_found_anonymously_and_shown_to_reviewers()
    {
        await RevisionTestData.SeedAsync(archive, SpecimenStatus.Draft);
        var reviewer = await archive.CreateAccountAsync("reviewer", ArchiveRoles.Reviewer);
        var path = $"/api/v1/specimens/{RevisionTestData.Slug}/revisions/2/diff";

        using var anonymous = await archive.CreateClient().GetAsync(path, Ct);
        using var reviewerClient = archive.ClientWithKey(await archive.CreateKeyAsync(reviewer, ApiKeyScopes.Read));
        using var asReviewer = await reviewerClient.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        Assert.DoesNotContain(RevisionTestData.Title, await anonymous.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, asReviewer.StatusCode);
    }

    private static (int Added, int Removed, int Changed) Counts(JsonElement counts) =>
        (counts.GetProperty("added").GetInt32(), counts.GetProperty("removed").GetInt32(), counts.GetProperty("changed").GetInt32());
}
