using Archive.Data.Evidence;
using Npgsql;

namespace Archive.Web.Evidence;

/// <summary>
/// Tells open evidence pages that a run finished. One PostgreSQL connection per web process runs
/// <c>LISTEN evidence_finished</c>; the worker sends <c>SELECT pg_notify('evidence_finished', '&lt;run id&gt;')</c> after
/// saving a run. Subscribers (the pages' <see cref="EvidenceRefreshOnFinish"/> islands) get the run id on a pool thread.
/// A dropped connection is reopened with backoff; a run that finishes meanwhile is caught by the island's own check
/// when it starts.
/// </summary>
public sealed class EvidenceNotifications(IConfiguration configuration, ILogger<EvidenceNotifications> logger) : BackgroundService
{

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Raised with the run id each time the worker finishes a run.</summary>
    public event Action<Guid>? Finished;

    /// <summary>Whether the LISTEN connection is open (for diagnostics and tests).</summary>
    public bool IsListening { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Archive"))
        {
            // A dedicated session: a pooled one would be reset (UNLISTEN) when returned.
            Pooling = false,
            KeepAlive = 30,
            ApplicationName = "archive-web-listen",
        }.ConnectionString;
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var id)) Raise(id);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {EvidenceChannels.Finished}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                IsListening = true;
                backoff = TimeSpan.FromSeconds(1);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                IsListening = false;
                logger.LogWarning(ex, "LISTEN {Channel} failed; retrying in {Delay}.", EvidenceChannels.Finished, backoff);
                try { await Task.Delay(backoff, stoppingToken); } catch (OperationCanceledException) { break; }
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
        IsListening = false;
    }

    /// <summary>Calls each subscriber; one that throws does not stop the others.</summary>
    internal void Raise(Guid runId)
    {
        if (Finished is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<Guid>>())
        {
            try
            {
                handler(runId);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "An evidence_finished subscriber failed for run {Run}.", runId);
            }
        }
    }
}
