using Archive.Data;
using Archive.Data.Evidence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archive.Worker.Evidence;

/// <summary>
/// Takes queued evidence runs one at a time and executes them. Wakes on NOTIFY evidence_requested, and polls as a
/// fallback so a run queued while the worker was down is still picked up.
/// </summary>
public sealed class EvidenceWorker(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    IOptions<EvidenceWorkerOptions> options,
    ILogger<EvidenceWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wake = new SemaphoreSlim(0);
        _ = ListenAsync(wake, stoppingToken);
        logger.LogInformation("Evidence worker started on {Device} (libtorch {LibTorch}).", Engine.EngineDevice.Name, Engine.EngineDevice.LibTorchVersion);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
                    await EvidenceQueue.RequeueStaleAsync(db, options.Value.StaleRunTimeout, stoppingToken);
                }
                while (await RunNextAsync(stoppingToken)) { }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "The evidence loop failed; retrying after the poll interval.");
            }
            await wake.WaitAsync(options.Value.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<bool> RunNextAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        var runId = await EvidenceQueue.ClaimNextAsync(db, ct);
        if (runId is null) return false;
        var runner = scope.ServiceProvider.GetRequiredService<EvidenceRunner>();
        await runner.ExecuteAsync(runId.Value, ct);
        return true;
    }

    private async Task ListenAsync(SemaphoreSlim wake, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => wake.Release();
                await using (var listen = new NpgsqlCommand($"LISTEN {EvidenceChannels.Requested}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Lost the LISTEN connection; polling until it is back.");
                await Task.Delay(options.Value.PollInterval, ct);
            }
        }
    }
}
