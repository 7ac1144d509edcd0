using Archive.Data;
using Archive.Data.Dictionaries;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Archive.Worker.Dictionaries;

/// <summary>A dashboard job this worker holds: its dictionary, the number of this attempt, and the lease's owner string (read by column name, snake_case).</summary>
public sealed class LeasedDashboardJob
{
    public int DictionaryId { get; set; }
    public int Attempt { get; set; }
    /// <summary>The worker's name and a fresh id: a job re-queued and leased again by the same worker is another lease.</summary>
    public string Owner { get; set; } = "";
}

/// <summary>
/// The dashboard_jobs table is the queue, leased as evidence runs are (FOR UPDATE SKIP LOCKED; a lapsed lease returns
/// the job to whoever polls next), and every write after the lease is conditional on still holding it: a re-upload
/// that re-queues the job while a worker computes makes that worker's result land nowhere.
/// </summary>
public static class DashboardQueue
{
    public static async Task<LeasedDashboardJob?> LeaseNextAsync(ArchiveDbContext db, string worker, TimeSpan lease, CancellationToken ct)
    {
        var owner = $"{worker} {Guid.NewGuid():N}";
        var leased = await db.Database.SqlQuery<LeasedDashboardJob>($"""
            UPDATE dashboard_jobs
            SET status = 'Computing', leased_by = {owner}, lease_expires_at = now() + {lease}, attempts = attempts + 1,
                started_at = now(), step = 1, error = NULL
            WHERE feature_dictionary_id = (SELECT feature_dictionary_id FROM dashboard_jobs
                        WHERE status = 'Queued' OR (status = 'Computing' AND lease_expires_at < now())
                        ORDER BY queued_at
                        FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING feature_dictionary_id AS dictionary_id, attempts AS attempt, leased_by AS owner
            """).ToListAsync(ct);
        return leased.Count == 0 ? null : leased[0];
    }

    /// <summary>Extends the lease; false when the job is no longer this worker's (re-queued by a new upload, or taken over).</summary>
    public static async Task<bool> RenewAsync(NpgsqlDataSource dataSource, LeasedDashboardJob job, TimeSpan lease, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE dashboard_jobs SET lease_expires_at = now() + $3
            WHERE feature_dictionary_id = $1 AND leased_by = $2 AND status = 'Computing'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = job.DictionaryId });
        command.Parameters.Add(new NpgsqlParameter { Value = job.Owner });
        command.Parameters.Add(new NpgsqlParameter { Value = lease });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public static Task<int> ReportStepAsync(ArchiveDbContext db, LeasedDashboardJob job, int step, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE dashboard_jobs SET step = {step}
            WHERE feature_dictionary_id = {job.DictionaryId} AND leased_by = {job.Owner} AND status = 'Computing'
            """, ct);

    /// <summary>
    /// Locks the job row if this worker still holds it (inside the caller's transaction, before the features are
    /// replaced), so a re-upload waits for this commit or this worker sees it lost.
    /// </summary>
    public static async Task<bool> HoldAsync(ArchiveDbContext db, LeasedDashboardJob job, CancellationToken ct) =>
        (await db.Database.SqlQuery<int>($"""
            SELECT 1 AS "Value" FROM dashboard_jobs
            WHERE feature_dictionary_id = {job.DictionaryId} AND leased_by = {job.Owner} AND status = 'Computing'
            FOR UPDATE
            """).ToListAsync(ct)).Count == 1;

    /// <summary>Ends the job (Ready, Failed, or back to Queued for another attempt) while this worker holds it.</summary>
    public static Task<int> EndAsync(ArchiveDbContext db, LeasedDashboardJob job, DashboardStatus status, string? error, CancellationToken ct)
    {
        var finished = status is DashboardStatus.Queued ? (DateTimeOffset?)null : DateTimeOffset.UtcNow;
        var step = status is DashboardStatus.Ready ? DashboardSteps.Count : 0;
        return db.Database.ExecuteSqlAsync($"""
            UPDATE dashboard_jobs
            SET status = {status.ToString()}, error = {error}, leased_by = NULL, lease_expires_at = NULL, finished_at = {finished}, step = {step}
            WHERE feature_dictionary_id = {job.DictionaryId} AND leased_by = {job.Owner} AND status = 'Computing'
            """, ct);
    }
}
