using System.Collections.Concurrent;
using Archive.Data;
using Archive.Data.Evidence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archive.Worker.Evidence;

/// <summary>
/// Takes evidence runs from the queue, <see cref="EvidenceWorkerOptions.Concurrency"/> at a time, each under a lease it
/// renews every third of <see cref="EvidenceWorkerOptions.LeaseDuration"/>. Wakes on NOTIFY evidence_requested (and polls
/// as a fallback, so a run queued while the worker was down is still picked up); a NOTIFY evidence_cancel or a heartbeat
/// that finds a cancel request stops a run, and one that finds the lease lost abandons it to its new holder. A stopping
/// worker takes no new run and lets running ones finish for <see cref="EvidenceWorkerOptions.StopGracePeriod"/>, then
/// hands them back.
/// </summary>
public sealed class EvidenceWorker(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    IOptions<EvidenceWorkerOptions> options,
    ILogger<EvidenceWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim wake = new(0);
    private readonly ConcurrentDictionary<Guid, RunControl> running = new();

    /// <summary>Why a run stops before its end.</summary>
    private enum StopReason { None, CancelRequested, LeaseLost, WorkerStopping }

    private sealed class RunControl : IDisposable
    {
        public CancellationTokenSource Abort { get; } = new();
        public StopReason Reason { get; private set; }

        public void Stop(StopReason reason)
        {
            if (Reason == StopReason.None) Reason = reason;
            Abort.Cancel();
        }

        public void Dispose() => Abort.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        _ = ListenAsync(stoppingToken);
        // Beside the slots, not before them: a run that arrives at once must not wait for it (and a locked table must
        // not hold the worker at the door).
        _ = WarmUpAsync(stoppingToken);
        logger.LogInformation("Evidence worker {Worker} started on {Device} (libtorch {LibTorch}), {Concurrency} run(s) at a time.",
            o.WorkerName, Engine.EngineDevice.Name, Engine.EngineDevice.LibTorchVersion, o.Concurrency);
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => SlotAsync(stoppingToken)));
    }

    private async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<EvidenceRunner>().WarmUpAsync(stoppingToken);
            await Task.Run(Engine.EngineWarmUp.Run, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Only an optimisation: the first run compiles what this did not.
            logger.LogWarning("Warming up failed ({Reason}); the first run will do it.", ex.Message);
        }
    }

    private Task SlotAsync(CancellationToken stoppingToken) =>
        QueueDrain.RunAsync(RunNextAsync, wake, options.Value.PollInterval, logger, "evidence", stoppingToken);

    private async Task<bool> RunNextAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        var leased = await EvidenceQueue.LeaseNextAsync(db, o.WorkerName, o.LeaseDuration, stoppingToken);
        if (leased is null) return false;

        using var control = new RunControl();
        running[leased.Id] = control;
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(leased, control, heartbeatStop.Token);
        using var onStop = stoppingToken.Register(() =>
        {
            try
            {
                Task.Delay(o.StopGracePeriod, heartbeatStop.Token).ContinueWith(t => { if (!t.IsCanceled) control.Stop(StopReason.WorkerStopping); }, TaskScheduler.Default);
            }
            catch (ObjectDisposedException)
            {
            }
        });
        try
        {
            await scope.ServiceProvider.GetRequiredService<EvidenceRunner>().ExecuteAsync(leased, control.Abort.Token);
        }
        catch (OperationCanceledException) when (control.Abort.IsCancellationRequested)
        {
            await StoppedAsync(db, leased, control.Reason);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            running.TryRemove(leased.Id, out _);
        }
        return true;
    }

    private async Task StoppedAsync(ArchiveDbContext db, LeasedRun leased, StopReason reason)
    {
        var worker = options.Value.WorkerName;
        switch (reason)
        {
            case StopReason.CancelRequested:
                if (await EvidenceQueue.EndAttemptAsync(db, leased, worker, EvidenceAttemptOutcome.Cancelled, EvidenceStatus.Cancelled, null, null, CancellationToken.None))
                {
                    await EvidenceQueue.NotifyAsync(db, EvidenceChannels.Finished, leased.Id, CancellationToken.None);
                }
                logger.LogInformation("Evidence run {Run} was cancelled.", leased.Id);
                break;
            case StopReason.WorkerStopping:
                await EvidenceQueue.EndAttemptAsync(db, leased, worker, EvidenceAttemptOutcome.HandedBack, EvidenceStatus.Queued, null, null, CancellationToken.None);
                await EvidenceQueue.NotifyAsync(db, EvidenceChannels.Requested, leased.Id, CancellationToken.None);
                logger.LogInformation("Evidence run {Run} was handed back to the queue: the worker is stopping.", leased.Id);
                break;
            default:
                logger.LogWarning("Evidence run {Run}: the lease passed to another worker; this attempt is abandoned.", leased.Id);
                break;
        }
    }

    private async Task HeartbeatAsync(LeasedRun leased, RunControl control, CancellationToken ct)
    {
        var o = options.Value;
        var every = o.LeaseDuration / 3;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, ct);
                switch (await EvidenceQueue.RenewAsync(dataSource, leased.Id, o.WorkerName, o.LeaseDuration, ct))
                {
                    case LeaseState.CancelRequested: control.Stop(StopReason.CancelRequested); return;
                    case LeaseState.Lost: control.Stop(StopReason.LeaseLost); return;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // PostgreSQL unreachable for a moment: keep working and try again; if the outage outlasts the lease,
                // the next renewal finds the lease lost and the run is abandoned to whoever took it.
                logger.LogWarning("Evidence run {Run}: lease renewal failed ({Reason}).", leased.Id, ex.Message);
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
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == EvidenceChannels.Cancel)
                    {
                        if (Guid.TryParse(e.Payload, out var id) && running.TryGetValue(id, out var control)) control.Stop(StopReason.CancelRequested);
                    }
                    else if (wake.CurrentCount < options.Value.Concurrency)
                    {
                        wake.Release();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {EvidenceChannels.Requested}; LISTEN {EvidenceChannels.Cancel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning("Lost the LISTEN connection ({Reason}); polling until it is back.", ex.Message);
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
