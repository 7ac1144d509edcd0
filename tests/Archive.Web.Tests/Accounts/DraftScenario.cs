using Archive.Data.Accounts;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Accounts;

/// <summary>
/// One account per kind of visitor (author, another contributor, reader, reviewer, admin) and a draft by the author,
/// slug <c>secret-draft</c>, with a queued evidence run of its first claim: what the visibility tests look at.
/// </summary>
public sealed record DraftScenario(IReadOnlyDictionary<string, User> Accounts, int ClaimId, Guid RunId)
{
    public const string Slug = "secret-draft";

    public static async Task<DraftScenario> CreateAsync(ArchiveFixture archive, string title)
    {
        await archive.ResetAsync();
        var accounts = new Dictionary<string, User>();
        foreach (var (handle, role) in new[] { ("author", ArchiveRoles.Contributor), ("other", ArchiveRoles.Contributor), ("reader", ArchiveRoles.Reader), ("reviewer", ArchiveRoles.Reviewer), ("admin", ArchiveRoles.Admin) })
            accounts[handle] = await archive.CreateAccountAsync(handle, role);
        await using var db = archive.CreateDbContext();
        var draft = ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), Slug, title, status: SpecimenStatus.Draft);
        draft.SubmittedById = accounts["author"].Id;
        await ArchiveTestData.SaveAsync(db, draft);
        var claimId = (await db.Claims.FirstAsync(c => c.RevisionId == draft.CurrentRevisionId)).Id;
        var runId = (await EvidenceRequests.QueueAsync(db, claimId, "test", EvidencePriority.Person, CancellationToken.None)).RunId;
        return new DraftScenario(accounts, claimId, runId);
    }
}
