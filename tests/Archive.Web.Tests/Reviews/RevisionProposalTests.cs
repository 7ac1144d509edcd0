using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data.Accounts;
using Archive.Data.Specimens;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Archive.Web.Tests.Submissions;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Reviews;

/// <summary>
/// A new revision of a published specimen: its author submits it as they submitted the first, it is reviewed as a draft
/// is, and until a reviewer publishes it readers see the published revision, its title and its claims, and nothing of
/// the proposal (its revision, writeup, claims, evidence runs and review steps) in any page or endpoint.
/// </summary>
public sealed class RevisionProposalTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Slug = "ada-proposals";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient author = null!;
    private HttpClient reviewer = null!;
    private HttpClient anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        var ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        var rita = await archive.CreateAccountAsync("rita", ArchiveRoles.Reviewer);
        author = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Read | ApiKeyScopes.Submit));
        reviewer = archive.ClientWithKey(await archive.CreateKeyAsync(rita, ApiKeyScopes.Read | ApiKeyScopes.Review));
        anonymous = archive.CreateClient();
    }

    public ValueTask DisposeAsync()
    {
        author.Dispose();
        reviewer.Dispose();
        anonymous.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<JsonElement> SubmitAsync(string title, string writeupSuffix)
    {
        var manifest = SubmittedBundle.Manifest(Slug, "ada-proposals-model");
        manifest["title"] = title;
        var writeup = File.ReadAllText(SubmittedBundle.File("writeup.md")) + writeupSuffix;
        using var body = new MultipartFormDataContent { { new StringContent(manifest.ToJsonString()), "manifest" } };
        body.Add(new StringContent(writeup), "writeup.md", "writeup.md");
        body.Add(new ByteArrayContent(File.ReadAllBytes(SubmittedBundle.File("model.safetensors"))), "model.safetensors", "model.safetensors");
        using var response = await author.PostAsync("/api/v1/submissions", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task StepAsync(HttpClient client, string action, string? body = null)
    {
        using var response = await client.PostAsJsonAsync($"/api/v1/specimens/{Slug}/review", new { action, body }, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private async Task<HttpStatusCode> StatusOfAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_proposed_revision_stays_hidden_until_a_reviewer_publishes_it()
    {
        await SubmitAsync("Induction heads, first look", "");
        await StepAsync(author, "SubmittedForReview");
        await StepAsync(reviewer, "Published");

        var proposal = await SubmitAsync("Induction heads, revised", "\n\n## Addendum\n\nA proposed paragraph.\n");
        Assert.True(proposal.GetProperty("proposal").GetBoolean());
        Assert.Equal((2, "Draft"), (proposal.GetProperty("revision").GetInt32(), proposal.GetProperty("status").GetString()));
        var proposedRun = proposal.GetProperty("claims")[0].GetProperty("evidenceRunId").GetString();
        await StepAsync(reviewer, "Commented", "The addendum needs a control.");

        // Readers: the published revision, its title, none of the proposal.
        Assert.Contains("Induction heads, first look", await anonymous.GetStringAsync($"/specimens/{Slug}", Ct));
        Assert.DoesNotContain("A proposed paragraph", await anonymous.GetStringAsync($"/specimens/{Slug}", Ct));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/specimens/{Slug}/revisions/2"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/api/v1/specimens/{Slug}/revisions/2"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/specimens/{Slug}/revisions/2/diff"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/api/v1/evidence/{proposedRun}"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/evidence/{proposedRun}"));
        var publicSteps = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/specimens/{Slug}/review", Ct);
        Assert.All(publicSteps.EnumerateArray(), s => Assert.Equal(1, s.GetProperty("revision").GetInt32()));
        // Its author and reviewers see it, with its diff.
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(author, $"/api/v1/specimens/{Slug}/revisions/2"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(reviewer, $"/api/v1/evidence/{proposedRun}"));
        Assert.Contains("A proposed paragraph", await author.GetStringAsync($"/api/v1/specimens/{Slug}/revisions/2/diff", Ct));

        // Review as for a draft: sent back, revised, submitted, published.
        await StepAsync(author, "SubmittedForReview");
        Assert.Contains(Slug, await reviewer.GetStringAsync("/api/v1/review/queue", Ct));
        await StepAsync(reviewer, "ChangesRequested", "Add the control first.");
        await SubmitAsync("Induction heads, revised", "\n\n## Addendum\n\nA proposed paragraph, with its control.\n");
        await StepAsync(author, "SubmittedForReview");
        await StepAsync(reviewer, "Published");

        await using var db = archive.CreateDbContext();
        var specimen = await db.Specimens.Include(s => s.CurrentRevision).SingleAsync(s => s.Slug == Slug, Ct);
        Assert.Equal((SpecimenStatus.Published, 3, "Induction heads, revised", null, null),
            (specimen.Status, specimen.CurrentRevision!.Number, specimen.Title, specimen.ProposedRevisionId, specimen.ProposalStatus));
        var page = await anonymous.GetStringAsync($"/specimens/{Slug}", Ct);
        Assert.Contains("A proposed paragraph, with its control.", page);
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(anonymous, $"/specimens/{Slug}/revisions/3/diff"));
    }

    [Fact]
    public async Task A_rejected_proposal_leaves_the_published_revision_and_stays_hidden_even_after_a_later_one_is_published()
    {
        await SubmitAsync("Induction heads, first look", "");
        await StepAsync(author, "SubmittedForReview");
        await StepAsync(reviewer, "Published");
        await SubmitAsync("Induction heads, overreaching", "\n\nAn unsupported claim.\n");
        await StepAsync(author, "SubmittedForReview");

        await StepAsync(reviewer, "Rejected", "The new claim is not supported by its evidence.");

        await using var db = archive.CreateDbContext();
        var specimen = await db.Specimens.Include(s => s.CurrentRevision).SingleAsync(s => s.Slug == Slug, Ct);
        Assert.Equal((SpecimenStatus.Published, 1, SpecimenStatus.Rejected), (specimen.Status, specimen.CurrentRevision!.Number, specimen.ProposalStatus));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/specimens/{Slug}/revisions/2"));
        Assert.DoesNotContain("overreaching", await anonymous.GetStringAsync($"/specimens/{Slug}", Ct));
        // A later proposal published: the rejected one stays hidden from readers, in the history and at its address.
        await SubmitAsync("Induction heads, second look", "\n\nA supported paragraph.\n");
        await StepAsync(author, "SubmittedForReview");
        await StepAsync(reviewer, "Published");
        Assert.Contains("A supported paragraph.", await anonymous.GetStringAsync($"/specimens/{Slug}", Ct));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/specimens/{Slug}/revisions/2"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(anonymous, $"/api/v1/specimens/{Slug}/revisions/2"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(author, $"/api/v1/specimens/{Slug}/revisions/2"));
        // Retraction is still of the specimen.
        await StepAsync(reviewer, "Retracted", "Superseded.");
        Assert.Equal(SpecimenStatus.Retracted, (await db.Specimens.AsNoTracking().SingleAsync(s => s.Slug == Slug, Ct)).Status);
    }
}
