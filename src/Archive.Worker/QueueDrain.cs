using Npgsql;

namespace Archive.Worker;

/// <summary>
/// How the worker's loops take work from a PostgreSQL-backed queue (evidence runs, dashboard jobs): take items until
/// none is left, then wait for a NOTIFY (released on <c>wake</c>) or the poll interval, whichever comes first, so work
/// queued while nobody listened is still found; hold each item under a lease renewed in the background; listen on a
/// connection that is opened again when it drops. PostgreSQL being away is one warning line per poll, not a stack trace.
/// </summary>
public static class QueueDrain
{
    /// <param name="takeNext">Takes and finishes one item; false when the queue had none.</param>
    public static async Task RunAsync(Func<CancellationToken, Task<bool>> takeNext, SemaphoreSlim wake, TimeSpan pollInterval,
        ILogger logger, string queue, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (!stoppingToken.IsCancellationRequested && await takeNext(stoppingToken)) { }
            }
            catch (NpgsqlException ex) when (!stoppingToken.IsCancellationRequested && ex.IsTransient)
            {
                logger.LogWarning("PostgreSQL is unreachable ({Reason}); the {Queue} queue is tried again after the poll interval.", ex.Message, queue);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "The {Queue} loop failed; retrying after the poll interval.", queue);
            }
            try
            {
                await wake.WaitAsync(pollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Renews a lease every <paramref name="every"/> until <paramref name="ct"/> ends or <paramref name="renew"/> says to
    /// stop (the lease was lost, or the item was cancelled). A renewal that fails (PostgreSQL away for a moment) is
    /// logged and tried again: if the outage outlasts the lease, the next renewal finds it lost.
    /// </summary>
    /// <param name="renew">Renews once; false to stop renewing.</param>
    public static async Task HeartbeatAsync(Func<CancellationToken, Task<bool>> renew, TimeSpan every, ILogger logger, string item, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, ct);
                if (!await renew(ct)) return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("{Item}: lease renewal failed ({Reason}).", item, ex.Message);
            }
        }
    }

    /// <summary>LISTENs on <paramref name="channels"/> until <paramref name="ct"/> ends, opening the connection again after
    /// the poll interval when it drops (the loops poll meanwhile).</summary>
    public static async Task ListenAsync(NpgsqlDataSource dataSource, IReadOnlyList<string> channels, NotificationEventHandler onNotification,
        TimeSpan pollInterval, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += onNotification;
                await using (var listen = new NpgsqlCommand(string.Concat(channels.Select(c => $"LISTEN {c};")), connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning("Lost the LISTEN connection for {Channels} ({Reason}); polling until it is back.", string.Join(", ", channels), ex.Message);
                await Task.Delay(pollInterval, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
