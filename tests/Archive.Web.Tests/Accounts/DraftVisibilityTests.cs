using System.Net;
using Archive.Data.Accounts;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Accounts;

/// <summary>
/// A draft, its claims and its evidence are seen by its submitter, reviewers and admins, and by nobody else, on every
/// page and endpoint that shows them (one rule: SpecimenVisibility).
/// </summary>
public sealed class DraftVisibilityTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DraftScenario draft = null!;

    public async ValueTask InitializeAsync() => draft = await DraftScenario.CreateAsync(archive, "A draft");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string?, bool> Viewers => new()
    {
        { null, false },
        { "reader", false },
        { "other", false },
        { "author", true },
        { "reviewer", true },
        { "admin", true },
    };

    [Theory]
    [MemberData(nameof(Viewers))]
    public async Task Every_api_endpoint_shows_the_draft_only_to_its_author_reviewers_and_admins(string? handle, bool sees)
    {
        using var client = handle is null ? archive.CreateClient() : archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts[handle], ApiKeyScopes.Read));
        var expected = sees ? HttpStatusCode.OK : HttpStatusCode.NotFound;

        foreach (var path in new[] { "/api/v1/specimens/secret-draft", "/api/v1/specimens/secret-draft/revisions/1", "/api/v1/specimens/secret-draft/circuits/induction", $"/api/v1/evidence/{draft.RunId}" })
        {
            using var response = await client.GetAsync(path, Ct);
            Assert.True(expected == response.StatusCode, $"{handle ?? "anonymous"}: GET {path} answered {(int)response.StatusCode}");
        }
        var runs = await client.GetStringAsync($"/api/v1/claims/{draft.ClaimId}/evidence", Ct);
        Assert.Equal(sees, runs.Contains(draft.RunId.ToString(), StringComparison.Ordinal));
        // Not in listings, whoever asks: the library is the published archive.
        Assert.DoesNotContain("secret-draft", await client.GetStringAsync("/api/v1/specimens", Ct));
    }

    [Theory]
    [MemberData(nameof(Viewers))]
    public async Task The_draft_and_evidence_pages_follow_the_same_rule(string? handle, bool sees)
    {
        using var session = handle is null ? new SiteSession(archive) : await archive.SignInAsync(handle);

        foreach (var path in new[] { "/specimens/secret-draft", $"/evidence/{draft.RunId}" })
        {
            using var response = await session.Client.GetAsync(path, Ct);
            Assert.True((sees ? HttpStatusCode.OK : HttpStatusCode.NotFound) == response.StatusCode, $"{handle ?? "anonymous"}: GET {path} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_key_without_the_read_scope_sees_what_the_public_sees()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts["author"], ApiKeyScopes.Submit));

        using var response = await client.GetAsync("/api/v1/specimens/secret-draft", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Only_those_who_see_the_draft_can_queue_or_cancel_its_evidence()
    {
        using var other = archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts["other"], ApiKeyScopes.Read));
        using var author = archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts["author"], ApiKeyScopes.Read));

        using var othersCancel = await other.PostAsync($"/api/v1/evidence/{draft.RunId}/cancel", null, Ct);
        using var authorsCancel = await author.PostAsync($"/api/v1/evidence/{draft.RunId}/cancel", null, Ct);
        using var othersRequest = await other.PostAsync($"/api/v1/claims/{draft.ClaimId}/evidence", null, Ct);

        Assert.Equal(HttpStatusCode.NotFound, othersCancel.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, authorsCancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, othersRequest.StatusCode);
    }
}
