using Archive.Data;
using Archive.Data.Evidence;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Evidence;

/// <summary>Where a run stands, as the live island shows it: queue position while queued, the worker's step while
/// running, the verdict and headline number once finished.</summary>
public sealed record EvidenceRunProgress(
    EvidenceStatus Status,
    EvidenceVerdict? Verdict,
    double? HeadlineValue,
    string? Phase,
    int? Step,
    int? StepCount,
    int? QueuePosition)
{
    public bool IsPending => EvidenceRun.IsPendingStatus(Status);
}

public static class EvidenceRunProgressQuery
{
    /// <summary>One query of the run's row (and, while it is queued, its place in the queue). It reads nothing but
    /// evidence_runs, so it stays cheap when an island reads it.</summary>
    /// <returns>Null when there is no such run.</returns>
    public static Task<EvidenceRunProgress?> LoadAsync(ArchiveDbContext db, Guid runId, CancellationToken ct) =>
        db.EvidenceRuns.AsNoTracking()
            .Where(r => r.Id == runId)
            .Select(r => new EvidenceRunProgress(r.Status, r.Verdict, r.HeadlineValue, r.Phase, r.Step, r.StepCount,
                EvidenceRun.QueuePosition(r.Id)))
            .SingleOrDefaultAsync(ct);
}
