using System.Net;
using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// Anonymous readers get a public specimen's page and API document from memory while the specimen is unchanged: each
/// test reads a page twice (the second from the cache), changes what the page shows the way the archive does, and
/// checks the next request. Behaviour only: whether a response came from the cache is not asserted, what it says is.
/// </summary>
public sealed partial class SpecimenPageCacheTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Slug = "induction-2l";
    private const string Page = "/specimens/" + Slug;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<Specimen> SeedAsync()
    {
        await using var db = archive.CreateDbContext();
        return await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), Slug, "Induction heads in a two-layer model"));
    }

    /// <summary>Reads the address twice as an anonymous reader (a fresh client each time) and returns the second answer.</summary>
    private async Task<string> ReadTwiceAsync(string path)
    {
        using var client = archive.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path, Ct)).StatusCode);
        using var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        return body;
    }

    [Fact]
    public async Task A_verdict_arriving_shows_on_the_next_page_and_api_document()
    {
        var specimen = await SeedAsync();
        Assert.Contains("badge-unverified", await ReadTwiceAsync(Page));
        Assert.DoesNotContain("0.9731", await ReadTwiceAsync($"/api/v1/specimens/{Slug}"));

        await using (var db = archive.CreateDbContext())
        {
            var claim = await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId && c.Key == "induction-head", Ct);
            db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.9731));
            await db.SaveChangesAsync(Ct);
        }

        var html = await ReadTwiceAsync(Page);
        Assert.Contains("badge-supported", html);
        Assert.Contains("0.9731", html);
        Assert.Contains("0.9731", await ReadTwiceAsync($"/api/v1/specimens/{Slug}"));
    }

    [Fact]
    public async Task A_specimen_that_stops_being_public_is_not_served_from_the_cache()
    {
        var specimen = await SeedAsync();
        await ReadTwiceAsync(Page);
        await ReadTwiceAsync($"/api/v1/specimens/{Slug}");

        await using (var db = archive.CreateDbContext())
        {
            await db.Specimens.Where(s => s.Id == specimen.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SpecimenStatus.Draft), Ct);
        }

        using var client = archive.CreateClient();
        foreach (var path in new[] { Page, $"{Page}/revisions/1", $"/api/v1/specimens/{Slug}" })
        {
            using var response = await client.GetAsync(path, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_draft_seen_by_its_author_is_not_served_to_anonymous_readers()
    {
        var draft = await DraftScenario.CreateAsync(archive, "A draft");
        using var author = await archive.SignInAsync("author");
        Assert.Contains("A draft", await author.GetPageAsync($"/specimens/{DraftScenario.Slug}"));
        Assert.Contains("A draft", await author.GetPageAsync($"/specimens/{DraftScenario.Slug}"));

        using var anonymous = archive.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/specimens/{DraftScenario.Slug}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Each_reader_of_a_kept_page_gets_a_form_token_of_their_own_that_the_form_accepts()
    {
        await SeedAsync();
        using var first = new SiteSession(archive);
        using var second = new SiteSession(archive);
        var firstToken = TokenPattern().Match(await first.GetPageAsync(Page)).Groups[1].Value;
        var secondToken = TokenPattern().Match(await second.GetPageAsync(Page)).Groups[1].Value;

        Assert.NotEqual("", secondToken);
        Assert.NotEqual(firstToken, secondToken);
        // The persisted component state of the render that was kept (another reader's token) is not passed on.
        Assert.DoesNotContain("Blazor-Server-Component-State", await second.GetPageAsync(Page));
        using var posted = await second.Client.PostAsync($"{Page}/recheck",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = secondToken }), Ct);
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
    }

    [Fact]
    public async Task A_queued_run_shows_at_once_and_its_live_island_is_rendered_for_each_request()
    {
        var specimen = await SeedAsync();
        await ReadTwiceAsync(Page);
        await using (var db = archive.CreateDbContext())
        {
            var claim = await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId, Ct);
            await EvidenceRequests.QueueAsync(db, claim.Id, "test", EvidencePriority.Person, Ct);
        }

        var first = await ReadTwiceAsync(Page);
        var second = await ReadTwiceAsync(Page);
        // An interactive island's marker is bound to the request that rendered it (its descriptor is protected per render).
        var markers = IslandPattern();
        Assert.Matches(markers, first);
        Assert.NotEqual(markers.Match(first).Value, markers.Match(second).Value);
    }

    [Fact]
    public async Task A_retraction_by_a_reviewer_shows_on_the_next_anonymous_page_and_the_reviewer_gets_the_review_panel()
    {
        await SeedAsync();
        await archive.CreateAccountAsync("reviewer", ArchiveRoles.Reviewer);
        Assert.DoesNotContain("Retracted.", await ReadTwiceAsync(Page));

        using var reviewer = await archive.SignInAsync("reviewer");
        Assert.Contains("id=\"review\"", await reviewer.GetPageAsync(Page));
        using var retracted = await reviewer.SubmitAsync(Page, "Retracted", new Dictionary<string, string> { ["action"] = "Retracted", ["body"] = "The scores do not replicate." });
        Assert.Equal(HttpStatusCode.SeeOther, retracted.StatusCode);

        var html = await ReadTwiceAsync(Page);
        Assert.Contains("Retracted.", html);
        Assert.Contains("The scores do not replicate.", html);
        Assert.DoesNotContain("id=\"review\"", html);
    }

    [Fact]
    public async Task A_new_revision_shows_on_the_next_page_and_the_old_revision_page_lists_it()
    {
        var specimen = await SeedAsync();
        await ReadTwiceAsync(Page);
        await ReadTwiceAsync($"{Page}/revisions/1");

        await using (var db = archive.CreateDbContext())
        {
            var revision = new SpecimenRevision
            {
                SpecimenId = specimen.Id, Number = 2, WriteupMarkdown = "## Second look\n\nA new paragraph.", Message = "Second version",
                CreatedBy = "tester", CreatedAt = DateTimeOffset.UtcNow,
            };
            db.SpecimenRevisions.Add(revision);
            await db.SaveChangesAsync(Ct);
            await db.Specimens.Where(s => s.Id == specimen.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.CurrentRevisionId, revision.Id), Ct);
        }

        Assert.Contains("<h2 id=\"second-look\">", await ReadTwiceAsync(Page));
        Assert.Contains("Second version", await ReadTwiceAsync($"{Page}/revisions/1"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("<!--Blazor:\\{[^>]*-->")]
    private static partial Regex IslandPattern();
}
