using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Data.Accounts;
using Archive.Data.Specimens;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Reviews;

/// <summary>A draft's way to publication and retraction, by its author and a reviewer, through the API and the pages.</summary>
public sealed class ReviewApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient author = null!;
    private HttpClient reviewer = null!;
    private HttpClient stranger = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        var ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        var rita = await archive.CreateAccountAsync("rita", ArchiveRoles.Reviewer);
        var bob = await archive.CreateAccountAsync("bob", ArchiveRoles.Contributor);
        author = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Read | ApiKeyScopes.Submit));
        reviewer = archive.ClientWithKey(await archive.CreateKeyAsync(rita, ApiKeyScopes.Read | ApiKeyScopes.Review));
        stranger = archive.ClientWithKey(await archive.CreateKeyAsync(bob, ApiKeyScopes.Read | ApiKeyScopes.Submit));
        await using var db = archive.CreateDbContext();
        var draft = ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "ada-draft", "Ada's draft", status: SpecimenStatus.Draft);
        draft.SubmittedById = ada.Id;
        await ArchiveTestData.SaveAsync(db, draft);
    }

    public ValueTask DisposeAsync()
    {
        author.Dispose();
        reviewer.Dispose();
        stranger.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Task<HttpResponseMessage> Step(HttpClient client, string action, string? body = null, int? line = null) =>
        client.PostAsJsonAsync("/api/v1/specimens/ada-draft/review", new { action, body, writeupLine = line }, Ct);

    private async Task<SpecimenStatus> StatusAsync()
    {
        await using var db = archive.CreateDbContext();
        return await db.Specimens.Where(s => s.Slug == "ada-draft").Select(s => s.Status).SingleAsync(Ct);
    }

    [Fact]
    public async Task A_draft_goes_to_review_and_is_published_by_a_reviewer_then_everyone_sees_it()
    {
        using var early = await Step(reviewer, "Published");
        using var submitted = await Step(author, "SubmittedForReview");
        using var queue = await reviewer.GetAsync("/api/v1/review/queue", Ct);
        using var lineComment = await Step(reviewer, "Commented", "Define the induction score here.", line: 3);
        using var published = await Step(reviewer, "Published");

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Contains("ada-draft", await queue.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, lineComment.StatusCode);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal(SpecimenStatus.Published, await StatusAsync());
        using var anonymous = await archive.CreateClient().GetAsync("/api/v1/specimens/ada-draft", Ct);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        var history = await archive.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/specimens/ada-draft/review", Ct);
        Assert.Equal(["SubmittedForReview", "Commented", "Published"], history.EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(3, history[1].GetProperty("writeupLine").GetInt32());
    }

    [Fact]
    public async Task Requested_changes_send_the_draft_back_and_a_rejection_needs_a_reason()
    {
        await Step(author, "SubmittedForReview");
        using var noReason = await Step(reviewer, "ChangesRequested");
        using var changes = await Step(reviewer, "ChangesRequested", "Add a random-head baseline to the ablation claim.");
        var afterChanges = await StatusAsync();
        await Step(author, "SubmittedForReview");
        using var rejected = await Step(reviewer, "Rejected", "The claims are regression checks, not predictions.");

        Assert.Equal(HttpStatusCode.Conflict, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changes.StatusCode);
        Assert.Equal(SpecimenStatus.Draft, afterChanges);
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal(SpecimenStatus.Rejected, await StatusAsync());
    }

    [Fact]
    public async Task Others_cannot_see_or_act_on_the_draft_and_the_author_cannot_publish_it()
    {
        using var strangers = await Step(stranger, "Commented", "hello");
        await Step(author, "SubmittedForReview");
        using var selfPublish = await Step(author, "Published");
        using var anonymousQueue = await archive.CreateClient().GetAsync("/api/v1/review/queue", Ct);
        using var contributorsQueue = await author.GetAsync("/api/v1/review/queue", Ct);

        Assert.Equal(HttpStatusCode.NotFound, strangers.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, selfPublish.StatusCode);
        Assert.Equal(SpecimenStatus.InReview, await StatusAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousQueue.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, contributorsQueue.StatusCode);
    }

    [Fact]
    public async Task A_retracted_specimen_keeps_its_page_with_the_reason()
    {
        await Step(author, "SubmittedForReview");
        await Step(reviewer, "Published");

        using var retracted = await Step(reviewer, "Retracted", "The induction claim did not replicate on other seeds.");
        using var page = await archive.CreateClient().GetAsync("/specimens/ada-draft", Ct);

        Assert.Equal(HttpStatusCode.OK, retracted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Retracted.", html);
        Assert.Contains("did not replicate on other seeds", html);
    }

    [Fact]
    public async Task The_specimen_page_offers_the_author_their_step_and_takes_it_from_the_form()
    {
        using var session = await archive.SignInAsync("ada");

        var html = await session.GetPageAsync("/specimens/ada-draft");
        Assert.Contains("Submit for review", html);
        Assert.DoesNotContain(">Publish<", html);

        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var posted = await session.Client.PostAsync("/specimens/ada-draft/review", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["action"] = "SubmittedForReview", ["body"] = "",
        }), Ct);

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal(SpecimenStatus.InReview, await StatusAsync());
    }
}
