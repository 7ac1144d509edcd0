using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Evidence;

/// <summary>The outcome of asking for a run: the run that is now pending for the claim, and whether this request made it.</summary>
public sealed record EvidenceRequest(Guid RunId, bool Created);

/// <summary>
/// The one path that queues evidence runs (the API, the page's form, the importer): an insert that the partial unique
/// index turns into "the run already pending" when two requests race, then a NOTIFY so a worker starts at once.
/// </summary>
public static class EvidenceRequests
{
    public const string OnePendingPerClaimIndex = "ux_evidence_runs_one_pending_per_claim";

    public static async Task<EvidenceRequest> QueueAsync(ArchiveDbContext db, int claimId, string requestedBy, EvidencePriority priority, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var inserted = await db.Database.SqlQuery<Guid>($"""
            INSERT INTO evidence_runs (id, claim_id, status, requested_at, requested_by, priority, attempts)
            VALUES ({id}, {claimId}, 'Queued', {DateTimeOffset.UtcNow}, {requestedBy}, {(int)priority}, 0)
            ON CONFLICT (claim_id) WHERE status IN ('Queued', 'Running') DO NOTHING
            RETURNING id AS "Value"
            """).ToListAsync(ct);
        if (inserted.Count == 1)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({EvidenceChannels.Requested}, {id.ToString()})", ct);
            return new EvidenceRequest(id, Created: true);
        }
        var pending = await db.EvidenceRuns.AsNoTracking().Where(r => r.ClaimId == claimId).Where(EvidenceRun.IsPending)
            .Select(r => (Guid?)r.Id).SingleOrDefaultAsync(ct);
        // The pending run may have finished between the insert and this read: ask again, once more at most per finish.
        return pending is { } existing ? new EvidenceRequest(existing, Created: false) : await QueueAsync(db, claimId, requestedBy, priority, ct);
    }

    /// <summary>Cancels a run: a queued one at once, a running one at its worker's next heartbeat.</summary>
    /// <returns>False when the run had already finished.</returns>
    public static async Task<bool> CancelAsync(ArchiveDbContext db, Guid runId, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var queued = await db.EvidenceRuns.Where(r => r.Id == runId && r.Status == EvidenceStatus.Queued)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, EvidenceStatus.Cancelled).SetProperty(r => r.FinishedAt, now), ct);
        if (queued == 1)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({EvidenceChannels.Finished}, {runId.ToString()})", ct);
            return true;
        }
        var running = await db.EvidenceRuns.Where(r => r.Id == runId && r.Status == EvidenceStatus.Running)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.CancelRequestedAt, now), ct);
        if (running == 1) await db.Database.ExecuteSqlAsync($"SELECT pg_notify({EvidenceChannels.Cancel}, {runId.ToString()})", ct);
        return running == 1;
    }
}
