using Archive.Data.Evidence;
using Npgsql;

namespace Archive.Web.Evidence;

/// <summary>
/// Tells open pages that a run changed. One PostgreSQL connection per web process listens on
/// <c>evidence_progress</c> (the worker leased the run or reached a step) and <c>evidence_finished</c> (it saved the
/// run; cancelling sends it too); payloads are run ids. Each <see cref="EvidenceRunLive"/> island subscribes to its own
/// run only, so a notification wakes the islands that show that run and no others. A dropped connection is reopened
/// with backoff; what changed meanwhile is caught by the island's slow re-read.
/// </summary>
public sealed class EvidenceNotifications(IConfiguration configuration, ILogger<EvidenceNotifications> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, List<Func<Task>>> subscribers = [];

    /// <summary>Whether the LISTEN connection is open (for diagnostics and tests).</summary>
    public bool IsListening { get; private set; }

    /// <summary>Calls <paramref name="changed"/> (on a pool thread) each time the worker reports on the run, until the
    /// returned subscription is disposed.</summary>
    public IDisposable Subscribe(Guid runId, Func<Task> changed)
    {
        lock (gate)
        {
            if (!subscribers.TryGetValue(runId, out var handlers)) subscribers[runId] = handlers = [];
            handlers.Add(changed);
        }
        return new Subscription(() => Unsubscribe(runId, changed));
    }

    private void Unsubscribe(Guid runId, Func<Task> changed)
    {
        lock (gate)
        {
            if (!subscribers.TryGetValue(runId, out var handlers)) return;
            handlers.Remove(changed);
            if (handlers.Count == 0) subscribers.Remove(runId);
        }
    }

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
                await using (var listen = new NpgsqlCommand($"LISTEN {EvidenceChannels.Finished}; LISTEN {EvidenceChannels.Progress}", connection))
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
                logger.LogWarning(ex, "LISTEN {Channels} failed; retrying in {Delay}.", $"{EvidenceChannels.Finished}, {EvidenceChannels.Progress}", backoff);
                try { await Task.Delay(backoff, stoppingToken); } catch (OperationCanceledException) { break; }
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
        IsListening = false;
    }

    /// <summary>Starts each of the run's subscribers without waiting for them: the LISTEN loop must not stall behind a
    /// page's query. One that fails does not stop the others.</summary>
    private void Raise(Guid runId)
    {
        Func<Task>[] handlers;
        lock (gate)
        {
            if (!subscribers.TryGetValue(runId, out var list)) return;
            handlers = [.. list];
        }
        foreach (var handler in handlers) _ = CallAsync(runId, handler);
    }

    private async Task CallAsync(Guid runId, Func<Task> handler)
    {
        try
        {
            await handler();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber to evidence run {Run} failed.", runId);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref dispose, null)?.Invoke();
    }
}
