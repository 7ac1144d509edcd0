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
            .Select(s => new { s.Status, s.CurrentRevisionId, Revision = s.CurrentRevision == null ? 0 : s.CurrentRevision.Number })
            .SingleAsync(ct);
        var (next, refusal) = ReviewWorkflow.Decide(specimen.Status, action, actor, body.Trim());
        if (next is not { } status) return new(null, refusal);
        if (writeupLine is { } line)
        {
            // The writeup is read only for a line comment, to check the line exists.
            var writeup = await db.SpecimenRevisions.AsNoTracking().Where(r => r.Id == specimen.CurrentRevisionId).Select(r => r.WriteupMarkdown).SingleOrDefaultAsync(ct) ?? "";
            if (action != ReviewAction.Commented || line < 1 || line > writeup.Split('\n').Length)
                return new(null, "A line comment names a line of the current revision's writeup.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (status != specimen.Status)
        {
            // Conditional on the status read above: of two reviewers deciding at once, the second is told, not applied.
            var changed = await db.Specimens.Where(s => s.Id == specimenId && s.Status == specimen.Status).ExecuteUpdateAsync(u => u
                .SetProperty(s => s.Status, status)
                .SetProperty(s => s.UpdatedAt, now)
                .SetProperty(s => s.PublishedAt, s => status == SpecimenStatus.Published && s.PublishedAt == null ? now : s.PublishedAt), ct);
            if (changed == 0) return new(null, "The specimen's status changed meanwhile; reload and look again.");
        }
        var recorded = new ReviewEvent
        {
            SpecimenId = specimenId, RevisionNumber = specimen.Revision, ActorId = actor.UserId, Action = action, Body = body.Trim(),
            WriteupLine = writeupLine, StatusAfter = status, CreatedAt = now,
        };
        db.ReviewEvents.Add(recorded);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new(recorded, null);
    }
}
