using Archive.Data;
using Archive.Data.Evidence;
using Microsoft.EntityFrameworkCore;

namespace Archive.Worker.Evidence;

/// <summary>The queue is the evidence_runs table itself: a run is claimed with FOR UPDATE SKIP LOCKED, so any number of
/// workers can share it without a broker.</summary>
public static class EvidenceQueue
{
    /// <summary>Marks the oldest queued run as running and returns its id, or null when the queue is empty.</summary>
    public static async Task<Guid?> ClaimNextAsync(ArchiveDbContext db, CancellationToken ct)
    {
        var ids = await db.Database.SqlQuery<Guid>($"""
            UPDATE evidence_runs SET status = 'Running', started_at = now()
            WHERE id = (SELECT id FROM evidence_runs WHERE status = 'Queued' ORDER BY requested_at FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id AS "Value"
            """).ToListAsync(ct);
        return ids.Count == 0 ? null : ids[0];
    }

    /// <summary>Puts runs whose worker vanished back in the queue.</summary>
    public static Task<int> RequeueStaleAsync(ArchiveDbContext db, TimeSpan timeout, CancellationToken ct)
    {
        var cutoff = DateTimeOffset.UtcNow - timeout;
        return db.EvidenceRuns
            .Where(r => r.Status == EvidenceStatus.Running && r.StartedAt < cutoff)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, EvidenceStatus.Queued).SetProperty(r => r.StartedAt, (DateTimeOffset?)null), ct);
    }

    public static Task NotifyAsync(ArchiveDbContext db, string channel, Guid runId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_notify({channel}, {runId.ToString()})", ct);
}
