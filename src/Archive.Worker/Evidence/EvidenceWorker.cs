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

    private Task HeartbeatAsync(LeasedRun leased, RunControl control, CancellationToken ct) =>
        QueueDrain.HeartbeatAsync(async token =>
        {
            switch (await EvidenceQueue.RenewAsync(dataSource, leased.Id, options.Value.WorkerName, options.Value.LeaseDuration, token))
            {
                case LeaseState.CancelRequested: control.Stop(StopReason.CancelRequested); return false;
                case LeaseState.Lost: control.Stop(StopReason.LeaseLost); return false;
                default: return true;
            }
        }, options.Value.LeaseDuration / 3, logger, $"Evidence run {leased.Id}", ct);

    private Task ListenAsync(CancellationToken ct) =>
        QueueDrain.ListenAsync(dataSource, [EvidenceChannels.Requested, EvidenceChannels.Cancel], (_, e) =>
        {
            if (e.Channel == EvidenceChannels.Cancel)
            {
                if (Guid.TryParse(e.Payload, out var id) && running.TryGetValue(id, out var control)) control.Stop(StopReason.CancelRequested);
            }
            else if (wake.CurrentCount < options.Value.Concurrency)
            {
                wake.Release();
            }
        }, options.Value.PollInterval, logger, ct);

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }
}
