using System.Security.Claims;
using Archive.Data;
using Archive.Data.Accounts;
using Archive.Data.Reviews;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Reviews;

/// <summary>A specimen as review sees it (with its proposed next revision, if it is published and has one), and the caller's part in it.</summary>
public sealed record ReviewTarget(int SpecimenId, string Slug, SpecimenStatus Status, ReviewActor Actor, SpecimenStatus? ProposalStatus = null, int? ProposedRevision = null)
{
    /// <summary>The status <paramref name="action"/> is decided from: the proposal's for its steps, else the specimen's.</summary>
    public SpecimenStatus StatusFor(ReviewAction action) => ReviewWorkflow.ActsOnProposal(Status, ProposalStatus, action) ? ProposalStatus!.Value : Status;
}

public static class ReviewActors
{
    /// <summary>
    /// The specimen if <paramref name="user"/> may see it, with their part: its submitter, a reviewer (by role, and for a
    /// key by its <c>review</c> scope), or neither.
    /// </summary>
    public static async Task<ReviewTarget?> FindAsync(ArchiveDbContext db, ClaimsPrincipal user, string slug, CancellationToken ct)
    {
        // Anonymous visitors (most specimen page views) have no part in review: no query for them.
        if (user.UserId() is not { } userId) return null;
        var row = await db.Specimens.AsNoTracking().Where(SpecimenVisibility.ViewableBy(user.Viewer())).Where(s => s.Slug == slug)
            .Select(s => new { s.Id, s.Slug, s.Status, s.SubmittedById, s.ProposalStatus, Proposed = s.ProposedRevision == null ? (int?)null : s.ProposedRevision.Number })
            .SingleOrDefaultAsync(ct);
        if (row is null) return null;
        var isAuthor = row.SubmittedById == userId && (!user.IsApiKey() || user.HasScope(ApiKeyScopes.Submit));
        var isReviewer = user.Can(ArchiveRoles.Reviewer, ApiKeyScopes.Review);
        return new ReviewTarget(row.Id, row.Slug, row.Status, new ReviewActor(userId, isAuthor, isReviewer), row.ProposalStatus, row.Proposed);
    }
}
