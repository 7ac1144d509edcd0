using Archive.Data;
using Archive.Data.Evidence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Archive.Worker.Evidence;

/// <summary>A run this worker holds: its id and the number of this attempt.</summary>
public sealed class LeasedRun
{
    public Guid Id { get; set; }
    public int Attempt { get; set; }
}

/// <summary>What a heartbeat found.</summary>
public enum LeaseState
{
    Held,
    CancelRequested,
    /// <summary>Another worker took the run (this one's lease lapsed) or it is no longer running.</summary>
    Lost,
}

/// <summary>
/// The queue is the evidence_runs table itself. A worker leases a run (FOR UPDATE SKIP LOCKED, so any number of
/// workers on any number of machines share it without a broker and each run is leased by one at a time), renews the
/// lease while it works, and every write that ends an attempt is conditional on still holding it.
/// </summary>
public static class EvidenceQueue
{
    /// <summary>Leases the next run: a person's before bulk, oldest first; a queued run past its backoff, or a running one
    /// whose lease lapsed (its previous attempt is closed as lease-lost). Null when there is none.</summary>
    public static async Task<LeasedRun?> LeaseNextAsync(ArchiveDbContext db, string worker, TimeSpan lease, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var leased = await db.Database.SqlQuery<LeasedRun>($"""
            UPDATE evidence_runs
            SET status = 'Running', started_at = coalesce(started_at, now()), lease_owner = {worker},
                lease_expires_at = now() + {lease}, attempts = attempts + 1, not_before = NULL,
                phase = {EvidencePhases.LoadingModel}, step = 1, step_count = {EvidencePhases.Count}
            WHERE id = (SELECT id FROM evidence_runs
                        WHERE (status = 'Queued' AND (not_before IS NULL OR not_before <= now()))
                           OR (status = 'Running' AND lease_expires_at < now())
                        ORDER BY priority, requested_at
                        FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id AS "Id", attempts AS "Attempt"
            """).ToListAsync(ct);
        if (leased.Count == 0) return null;
        var run = leased[0];
        await db.Database.ExecuteSqlAsync($"""
            UPDATE evidence_run_attempts SET ended_at = now(), outcome = 'LeaseLost' WHERE run_id = {run.Id} AND ended_at IS NULL;
            INSERT INTO evidence_run_attempts (run_id, number, worker, started_at) VALUES ({run.Id}, {run.Attempt}, {worker}, now());
            """, ct);
        // Delivered at commit, when the row says Running: the run's page shows the worker's first step.
        await NotifyAsync(db, EvidenceChannels.Progress, run.Id, ct);
        await transaction.CommitAsync(ct);
        return run;
    }

    /// <summary>Extends the lease; says whether someone asked to cancel, or whether the run was lost.</summary>
    public static async Task<LeaseState> RenewAsync(NpgsqlDataSource dataSource, Guid runId, string worker, TimeSpan lease, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE evidence_runs SET lease_expires_at = now() + $3
            WHERE id = $1 AND lease_owner = $2 AND status = 'Running'
            RETURNING cancel_requested_at IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = worker });
        command.Parameters.Add(new NpgsqlParameter { Value = lease });
        return await command.ExecuteScalarAsync(ct) switch
        {
            true => LeaseState.CancelRequested,
            false => LeaseState.Held,
            _ => LeaseState.Lost,
        };
    }

    /// <summary>Ends an attempt that did not complete: back to the queue (a hand-back, or a failure with its backoff), or
    /// cancelled. Only while this worker holds the lease.</summary>
    public static async Task<bool> EndAttemptAsync(ArchiveDbContext db, LeasedRun run, string worker, EvidenceAttemptOutcome outcome,
        EvidenceStatus status, DateTimeOffset? notBefore, string? error, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var finished = status is EvidenceStatus.Queued ? (DateTimeOffset?)null : DateTimeOffset.UtcNow;
        var verdict = status == EvidenceStatus.Failed ? EvidenceVerdict.Error.ToString() : null;
        var updated = await db.Database.ExecuteSqlAsync($"""
            UPDATE evidence_runs
            SET status = {status.ToString()}, lease_owner = NULL, lease_expires_at = NULL, not_before = {notBefore},
                phase = NULL, step = NULL, step_count = NULL,
                finished_at = {finished}, verdict = coalesce({verdict}, verdict), error = coalesce({error}, error)
            WHERE id = {run.Id} AND lease_owner = {worker} AND status = 'Running'
            """, ct);
        if (updated == 0) return false;
        await CloseAttemptAsync(db, run, outcome, error, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Records which step the run is at, while this worker holds it (the page and the API show it live).</summary>
    public static async Task ReportPhaseAsync(ArchiveDbContext db, LeasedRun run, string worker, string phase, int step, CancellationToken ct)
    {
        var updated = await db.Database.ExecuteSqlAsync($"""
            UPDATE evidence_runs SET phase = {phase}, step = {step}, step_count = {EvidencePhases.Count}
            WHERE id = {run.Id} AND lease_owner = {worker} AND status = 'Running'
            """, ct);
        if (updated == 1) await NotifyAsync(db, EvidenceChannels.Progress, run.Id, ct);
    }

    public static Task CloseAttemptAsync(ArchiveDbContext db, LeasedRun run, EvidenceAttemptOutcome outcome, string? error, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE evidence_run_attempts SET ended_at = now(), outcome = {outcome.ToString()}, error = {error}
            WHERE run_id = {run.Id} AND number = {run.Attempt}
            """, ct);

    public static Task NotifyAsync(ArchiveDbContext db, string channel, Guid runId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_notify({channel}, {runId.ToString()})", ct);
}
