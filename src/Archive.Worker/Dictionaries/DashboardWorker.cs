using Archive.Data;
using Archive.Data.Dictionaries;
using Archive.Worker.Evidence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archive.Worker.Dictionaries;

/// <summary>
/// Computes the dashboards of uploaded dictionaries, one at a time beside the evidence slots (a dashboard job runs the
/// model over a whole token set; evidence runs are short and a person waits on them). Wakes on NOTIFY
/// dashboards_requested and polls as a fallback; holds each job under a lease it renews, so a killed worker's job goes
/// to the next; a job whose content is wrong (a token id outside the vocabulary, weights that do not load) fails with
/// the reason, shown on the dictionary's page; one that keeps losing its worker fails after
/// <see cref="DashboardJob.MaxAttempts"/> attempts.
/// </summary>
public sealed class DashboardWorker(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    DashboardComputation computation,
    IOptions<EvidenceWorkerOptions> options,
    ILogger<DashboardWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = ListenAsync(stoppingToken);
        await QueueDrain.RunAsync(RunNextAsync, wake, options.Value.PollInterval, logger, "dashboard", stoppingToken);
    }

    private async Task<bool> RunNextAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        var job = await DashboardQueue.LeaseNextAsync(db, o.WorkerName, o.LeaseDuration, stoppingToken);
        if (job is null) return false;
        if (job.Attempt > DashboardJob.MaxAttempts)
        {
            await DashboardQueue.EndAsync(db, job, DashboardStatus.Failed,
                $"Gave up after {DashboardJob.MaxAttempts} attempts: each time the worker computing it stopped before the end.", CancellationToken.None);
            return true;
        }
        var inputs = await DashboardComputation.ReadInputsAsync(db, job.DictionaryId, stoppingToken);
        if (inputs is null) return true; // deleted between the lease and now

        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(job, lost, heartbeatStop.Token);
        var started = System.Diagnostics.Stopwatch.StartNew();
        logger.LogInformation("Computing the dashboards of dictionary {Dictionary} (attempt {Attempt}).", inputs.Slug, job.Attempt);
        try
        {
            var dashboards = await computation.ComputeAsync(inputs, s => DashboardQueue.ReportStepAsync(db, job, s, lost.Token), lost.Token);
            await DashboardQueue.ReportStepAsync(db, job, DashboardSteps.Count, lost.Token);
            await using var transaction = await db.Database.BeginTransactionAsync(lost.Token);
            if (!await DashboardQueue.HoldAsync(db, job, lost.Token))
            {
                logger.LogWarning("Dictionary {Dictionary}: the job was re-queued or taken over; these dashboards are dropped.", inputs.Slug);
                return true;
            }
            await FeatureRows.ReplaceAsync(db, job.DictionaryId, dashboards, lost.Token);
            await DashboardQueue.EndAsync(db, job, DashboardStatus.Ready, null, lost.Token);
            await transaction.CommitAsync(lost.Token);
            logger.LogInformation("Dashboards of dictionary {Dictionary}: {Features} features in {Seconds:0.0} s.", inputs.Slug, dashboards.Features.Count, started.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // Stopping: hand the job back at once rather than leave it for the lease to lapse. Lost: someone else has it.
            if (stoppingToken.IsCancellationRequested) await DashboardQueue.EndAsync(db, job, DashboardStatus.Queued, null, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or FormatException or FileNotFoundException
            || ex.GetType().Namespace?.StartsWith("TorchSharp", StringComparison.Ordinal) == true)
        {
            // The content is wrong; another attempt would find the same.
            logger.LogWarning("Dashboards of dictionary {Dictionary} failed: {Reason}", inputs.Slug, ex.Message);
            await DashboardQueue.EndAsync(db, job, DashboardStatus.Failed, ex.Message, CancellationToken.None);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }
        return true;
    }

    private async Task HeartbeatAsync(LeasedDashboardJob job, CancellationTokenSource lost, CancellationToken ct)
    {
        var o = options.Value;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(o.LeaseDuration / 3, ct);
                if (!await DashboardQueue.RenewAsync(dataSource, job, o.LeaseDuration, ct))
                {
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Dashboard job {Dictionary}: lease renewal failed ({Reason}).", job.DictionaryId, ex.Message);
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => wake.Release();
                await using (var listen = connection.CreateCommand())
                {
                    listen.CommandText = $"LISTEN {DashboardChannels.Requested}";
                    await listen.ExecuteNonQueryAsync(ct);
                }
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Listening for dashboard requests failed ({Reason}); polling until it reconnects.", ex.Message);
                await Task.Delay(options.Value.PollInterval, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }
}
