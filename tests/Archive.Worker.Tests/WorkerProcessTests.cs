using System.Text.Json;
using Archive.Data;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Specimens.Build;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

/// <summary>
/// The queue with real worker processes on one database: every run is executed exactly once however many workers share
/// it, a killed worker's run is finished by another after its lease lapses, a cancel stops a running run, a stopping
/// worker hands its run back, and simultaneous requests for one claim queue one run. The attempt records are the proof.
/// </summary>
public sealed class WorkerProcessTests(WorkerFixture worker) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string ShippedBundle(string slug) => Path.Combine(BuildCommand.DefaultBundlesFolder(), slug);

    private Task ImportAsync(string slug) => worker.ImportAsync(ShippedBundle(slug));

    /// <summary>Waits for a state of the database, not for a time: the bound only stops a broken run from hanging.</summary>
    private async Task WaitUntilAsync(string what, Func<ArchiveDbContext, Task<bool>> condition, int seconds = 180)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            await using var db = worker.CreateDbContext();
            try
            {
                if (await condition(db)) return;
            }
            catch (Npgsql.NpgsqlException e) when (e.IsTransient)
            {
                // PostgreSQL restarting (one test restarts it): look again.
            }
            await Task.Delay(100);
        }
        Assert.Fail($"Never reached: {what}.");
    }

    /// <summary>A claim of the induction specimen heavy enough (a large batch) to be caught mid-run.</summary>
    private async Task<Guid> QueueHeavyRunAsync()
    {
        await ImportAsync("induction-heads-2l-attn-only");
        await using var db = worker.CreateDbContext();
        await db.EvidenceRuns.ExecuteDeleteAsync(); // the import's own runs: this test queues its own
        var template = await db.Claims.FirstAsync(c => c.Method == "induction_score");
        var heavy = new Claim
        {
            RevisionId = template.RevisionId, Key = "heavy-induction", Statement = "A heavy re-check for the queue tests.", Method = "ablation",
            Targets = ["L1H0", "L1H1", "L1H2", "L1H3"],
            Parameters = JsonDocument.Parse("""{"seed": 1, "batch": 1500, "seq_len": 31, "bos": 0, "ablation": "zero", "metric": "loss_second_copy"}"""),
            Comparison = ClaimComparison.AtLeast, Expected = 0, Tolerance = 0,
        };
        db.Claims.Add(heavy);
        await db.SaveChangesAsync();
        return (await EvidenceRequests.QueueAsync(db, heavy.Id, "test", EvidencePriority.Person, CancellationToken.None)).RunId;
    }

    /// <summary>The superposition specimen's claims, copied until there are <paramref name="count"/>, each with a queued run.</summary>
    private async Task QueueSuperpositionRunsAsync(int count)
    {
        await ImportAsync("toy-models-of-superposition-20-in-5");
        await using var db = worker.CreateDbContext();
        await db.EvidenceRuns.ExecuteDeleteAsync();
        var claims = await db.Claims.AsNoTracking().ToListAsync();
        for (var i = 0; i < count - claims.Count; i++)
        {
            var c = claims[i % claims.Count];
            db.Claims.Add(new Claim
            {
                RevisionId = c.RevisionId, Key = $"{c.Key}-copy-{i}", Statement = c.Statement, Method = c.Method, Targets = c.Targets,
                Parameters = JsonDocument.Parse(c.Parameters.RootElement.GetRawText()), Comparison = c.Comparison, Expected = c.Expected,
                ExpectedUpper = c.ExpectedUpper, Tolerance = c.Tolerance,
            });
        }
        await db.SaveChangesAsync();
        foreach (var id in await db.Claims.Select(c => c.Id).ToListAsync())
            await EvidenceRequests.QueueAsync(db, id, "test", EvidencePriority.Bulk, CancellationToken.None);
        Assert.Equal(count, await db.EvidenceRuns.CountAsync());
    }

    [Fact]
    public async Task Two_hundred_runs_over_four_worker_processes_each_execute_exactly_once()
    {
        await QueueSuperpositionRunsAsync(200);

        var workers = Enumerable.Range(1, 4).Select(i => WorkerProcess.Start(worker, $"worker-{i}")).ToList();
        try
        {
            await WaitUntilAsync("all 200 runs finished", async db => !await db.EvidenceRuns.AnyAsync(EvidenceRun.IsPending), seconds: 600);
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }

        await using var check = worker.CreateDbContext();
        var runs = await check.EvidenceRuns.Include(r => r.AttemptRecords).ToListAsync();
        Assert.Equal(200, runs.Count);
        Assert.All(runs, r =>
        {
            Assert.Equal(EvidenceStatus.Succeeded, r.Status);
            Assert.Null(r.Phase); // progress is for running runs only
            var attempt = Assert.Single(r.AttemptRecords);
            Assert.Equal(EvidenceAttemptOutcome.Completed, attempt.Outcome);
            Assert.Equal(attempt.Worker, r.Provenance!.RootElement.GetProperty("worker").GetString());
        });
        Assert.True(runs.Select(r => r.AttemptRecords[0].Worker).Distinct().Count() > 1, "one worker did all the runs: the others never leased one");
    }

    [Fact]
    public async Task A_postgresql_restart_during_work_loses_no_run()
    {
        var restart = Environment.GetEnvironmentVariable("ARCHIVE_TEST_POSTGRES_RESTART")
            ?? throw new InvalidOperationException("ARCHIVE_TEST_POSTGRES_RESTART is not set. Run the tests with .ci/test, which says how to restart its PostgreSQL.");
        await QueueSuperpositionRunsAsync(60);
        using var process = WorkerProcess.Start(worker, "steady");
        await WaitUntilAsync("some runs finished", async db => await db.EvidenceRuns.CountAsync(r => r.Status == EvidenceStatus.Succeeded) >= 5);

        using (var restarting = System.Diagnostics.Process.Start("bash", ["-c", restart])!)
        {
            await restarting.WaitForExitAsync();
            Assert.Equal(0, restarting.ExitCode);
        }
        Npgsql.NpgsqlConnection.ClearAllPools();
        await WaitUntilAsync("every run finished", async db => !await db.EvidenceRuns.AnyAsync(EvidenceRun.IsPending));

        await using var check = worker.CreateDbContext();
        var runs = await check.EvidenceRuns.Include(r => r.AttemptRecords).ToListAsync();
        Assert.Equal(60, runs.Count);
        Assert.All(runs, r =>
        {
            Assert.Equal(EvidenceStatus.Succeeded, r.Status);
            Assert.Single(r.AttemptRecords, a => a.Outcome == EvidenceAttemptOutcome.Completed);
        });
    }

    [Fact]
    public async Task A_worker_killed_mid_run_has_its_run_finished_by_another_after_the_lease_lapses()
    {
        var runId = await QueueHeavyRunAsync();
        using var first = WorkerProcess.Start(worker, "doomed");
        await WaitUntilAsync("the first worker holds the run", async db =>
            await db.EvidenceRuns.AnyAsync(r => r.Id == runId && r.Status == EvidenceStatus.Running && r.LeaseOwner == "doomed"));

        first.Kill();
        using var second = WorkerProcess.Start(worker, "rescuer");
        await WaitUntilAsync("the run finished", async db => !await db.EvidenceRuns.Where(r => r.Id == runId).AnyAsync(EvidenceRun.IsPending));

        await using var check = worker.CreateDbContext();
        var run = await check.EvidenceRuns.Include(r => r.AttemptRecords).SingleAsync(r => r.Id == runId);
        Assert.Equal(EvidenceStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Attempts);
        Assert.Collection(run.AttemptRecords.OrderBy(a => a.Number),
            a => { Assert.Equal("doomed", a.Worker); Assert.Equal(EvidenceAttemptOutcome.LeaseLost, a.Outcome); },
            a => { Assert.Equal("rescuer", a.Worker); Assert.Equal(EvidenceAttemptOutcome.Completed, a.Outcome); });
    }

    [Fact]
    public async Task A_cancelled_running_run_stops_and_is_recorded_as_cancelled()
    {
        var runId = await QueueHeavyRunAsync();
        using var process = WorkerProcess.Start(worker, "busy");
        await WaitUntilAsync("the worker reports that it is computing", async db =>
            await db.EvidenceRuns.AnyAsync(r => r.Id == runId && r.Status == EvidenceStatus.Running && r.Phase == EvidencePhases.Computing && r.Step == 2));

        await using (var db = worker.CreateDbContext())
        {
            Assert.True(await EvidenceRequests.CancelAsync(db, runId, CancellationToken.None));
        }
        await WaitUntilAsync("the run is cancelled", async db => await db.EvidenceRuns.AnyAsync(r => r.Id == runId && r.Status == EvidenceStatus.Cancelled));

        await using var check = worker.CreateDbContext();
        var run = await check.EvidenceRuns.Include(r => r.AttemptRecords).SingleAsync(r => r.Id == runId);
        Assert.Null(run.Verdict);
        Assert.Equal(EvidenceAttemptOutcome.Cancelled, Assert.Single(run.AttemptRecords).Outcome);
        Assert.False(await EvidenceRequests.CancelAsync(check, runId, CancellationToken.None)); // finished: nothing to cancel
    }

    [Fact]
    public async Task A_stopping_worker_hands_its_run_back_to_the_queue()
    {
        var runId = await QueueHeavyRunAsync();
        var process = WorkerProcess.Start(worker, "leaving", lease: TimeSpan.FromMinutes(5), stopGrace: TimeSpan.Zero);
        await WaitUntilAsync("the worker holds the run", async db => await db.EvidenceRuns.AnyAsync(r => r.Id == runId && r.Status == EvidenceStatus.Running));

        await process.StopAsync();
        process.Dispose();

        await using var check = worker.CreateDbContext();
        var run = await check.EvidenceRuns.Include(r => r.AttemptRecords).SingleAsync(r => r.Id == runId);
        Assert.Equal(EvidenceStatus.Queued, run.Status);
        Assert.Null(run.LeaseOwner);
        Assert.Equal(EvidenceAttemptOutcome.HandedBack, Assert.Single(run.AttemptRecords).Outcome);
    }

    [Fact]
    public async Task Simultaneous_requests_for_one_claim_queue_one_run()
    {
        await ImportAsync("toy-models-of-superposition-20-in-5");
        await using (var db = worker.CreateDbContext()) await db.EvidenceRuns.ExecuteDeleteAsync();
        int claimId;
        await using (var db = worker.CreateDbContext()) claimId = await db.Claims.Select(c => c.Id).FirstAsync();

        var requests = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var db = worker.CreateDbContext();
            return await EvidenceRequests.QueueAsync(db, claimId, "test", EvidencePriority.Person, CancellationToken.None);
        }));

        Assert.Single(requests, r => r.Created);
        Assert.Single(requests.Select(r => r.RunId).Distinct());
        await using var check = worker.CreateDbContext();
        Assert.Equal(1, await check.EvidenceRuns.CountAsync(r => r.ClaimId == claimId));
    }
}
