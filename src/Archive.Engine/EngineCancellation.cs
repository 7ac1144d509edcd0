namespace Archive.Engine;

/// <summary>
/// The cancellation of the computation running on this flow of execution (an evidence run), checked between
/// transformer blocks and between the chunks of long loops, so a cancelled run stops within one block's time rather
/// than at its method's end. Ambient (an <see cref="AsyncLocal{T}"/>) because the engine's many entry points (forward
/// passes, ablations, statistics) would otherwise each need a token parameter threaded through every method.
/// </summary>
public static class EngineCancellation
{
    private static readonly AsyncLocal<CancellationToken> Current = new();

    /// <summary>Makes <paramref name="token"/> the current flow's cancellation until the returned scope is disposed.</summary>
    public static IDisposable Use(CancellationToken token)
    {
        var previous = Current.Value;
        Current.Value = token;
        return new Restore(previous);
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> when the current flow's computation was cancelled.</summary>
    public static void ThrowIfRequested() => Current.Value.ThrowIfCancellationRequested();

    private sealed class Restore(CancellationToken previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
