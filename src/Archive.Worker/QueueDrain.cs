using Npgsql;

namespace Archive.Worker;

/// <summary>
/// How the worker's loops take work from a PostgreSQL-backed queue (evidence runs, dashboard jobs): take items until
/// none is left, then wait for a NOTIFY (released on <c>wake</c>) or the poll interval, whichever comes first, so work
/// queued while nobody listened is still found. PostgreSQL being away is one warning line per poll, not a stack trace.
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
}
