using Archive.Data.Specimens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Reviews;

/// <summary>The outcome of a review step: the recorded event, or why it was refused.</summary>
public sealed record ReviewStepResult(ReviewEvent? Event, string? Refusal);

/// <summary>Takes a review step on a specimen by <see cref="ReviewWorkflow"/>'s rule and records it.</summary>
public static class ReviewSteps
{
    public static async Task<ReviewStepResult> TakeAsync(ArchiveDbContext db, int specimenId, ReviewActor actor, ReviewAction action,
        string body, int? writeupLine, DateTimeOffset now, CancellationToken ct)
    {
        var specimen = await db.Specimens.AsNoTracking().Where(s => s.Id == specimenId)
            .Select(s => new
            {
                s.Status, s.CurrentRevisionId, Revision = s.CurrentRevision == null ? 0 : s.CurrentRevision.Number,
                s.ProposalStatus, s.ProposedRevisionId, ProposedNumber = s.ProposedRevision == null ? 0 : s.ProposedRevision.Number, s.ProposedListingJson,
            })
            .SingleAsync(ct);
        // A published specimen's proposal is reviewed by the same rule, its own status standing in for the specimen's.
        var onProposal = ReviewWorkflow.ActsOnProposal(specimen.Status, specimen.ProposalStatus, action);
        var subject = onProposal ? specimen.ProposalStatus!.Value : specimen.Status;
        var (revisionId, revisionNumber) = onProposal ? (specimen.ProposedRevisionId, specimen.ProposedNumber) : (specimen.CurrentRevisionId, specimen.Revision);
        var (next, refusal) = ReviewWorkflow.Decide(subject, action, actor, body.Trim());
        if (next is not { } status) return new(null, refusal);
        if (writeupLine is { } line)
        {
            // The writeup is read only for a line comment, to check the line exists.
            var writeup = await db.SpecimenRevisions.AsNoTracking().Where(r => r.Id == revisionId).Select(r => r.WriteupMarkdown).SingleOrDefaultAsync(ct) ?? "";
            if (action != ReviewAction.Commented || line < 1 || line > writeup.Split('\n').Length)
                return new(null, "A line comment names a line of the writeup under review.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (status != subject)
        {
            // Conditional on the status read above: of two reviewers deciding at once, the second is told, not applied.
            var changed = onProposal
                ? await MoveProposalAsync(db, specimenId, specimen.ProposalStatus!.Value, status, specimen.ProposedRevisionId!.Value, specimen.ProposedListingJson, now, ct)
                : await db.Specimens.Where(s => s.Id == specimenId && s.Status == specimen.Status).ExecuteUpdateAsync(u => u
                    .SetProperty(s => s.Status, status)
                    .SetProperty(s => s.UpdatedAt, now)
                    .SetProperty(s => s.PublishedAt, s => status == SpecimenStatus.Published && s.PublishedAt == null ? now : s.PublishedAt), ct);
            if (changed == 0) return new(null, "The specimen's status changed meanwhile; reload and look again.");
            if (onProposal && status == SpecimenStatus.Published) await ClaimStatusRollup.RefreshAsync(db, specimenId, ct);
        }
        var recorded = new ReviewEvent
        {
            SpecimenId = specimenId, RevisionNumber = revisionNumber, ActorId = actor.UserId, Action = action, Body = body.Trim(),
            WriteupLine = writeupLine, StatusAfter = status, CreatedAt = now,
        };
        db.ReviewEvents.Add(recorded);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new(recorded, null);
    }

    /// <summary>
    /// The proposal's next status; publishing it makes it the revision readers see and its listing fields the
    /// specimen's. Conditional on the proposal's status and revision as read, like the specimen's own steps.
    /// </summary>
    private static async Task<int> MoveProposalAsync(ArchiveDbContext db, int specimenId, SpecimenStatus from, SpecimenStatus to, int proposedRevisionId,
        string? listingJson, DateTimeOffset now, CancellationToken ct)
    {
        // Locked for the rest of the transaction: a second reviewer deciding at once waits here, then finds it moved.
        var specimen = await db.Specimens.FromSql($"SELECT * FROM specimens WHERE id = {specimenId} FOR UPDATE").SingleAsync(ct);
        if (specimen.ProposalStatus != from || specimen.ProposedRevisionId != proposedRevisionId) return 0;
        if (to == SpecimenStatus.Published)
        {
            if (listingJson is not null) Bundles.BundleEntities.Describe(specimen, Bundles.ProposedListing.FromJson(listingJson), now);
            specimen.CurrentRevisionId = proposedRevisionId;
            specimen.ProposedRevisionId = null;
            specimen.ProposalStatus = null;
            specimen.ProposedListingJson = null;
        }
        else
        {
            specimen.ProposalStatus = to;
            // Rejected stays rejected: hidden from readers even after a later revision is published.
            if (to == SpecimenStatus.Rejected)
            {
                var number = await db.SpecimenRevisions.Where(r => r.Id == proposedRevisionId).Select(r => r.Number).SingleAsync(ct);
                specimen.RejectedRevisions = [.. specimen.RejectedRevisions, number];
            }
        }
        specimen.UpdatedAt = now;
        return await db.SaveChangesAsync(ct);
    }
}
