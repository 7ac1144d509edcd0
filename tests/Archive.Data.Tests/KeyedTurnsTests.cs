using Archive.Data;

namespace Archive.Data.Tests;

/// <summary>One holder per key at a time; a key is busy only while someone holds or waits for it (so nothing is kept for keys no one uses).</summary>
public sealed class KeyedTurnsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_holder_waits_for_the_first_and_the_key_is_free_after_both()
    {
        var turns = new KeyedTurns();

        var first = await turns.EnterAsync("model-a", Ct);
        var second = turns.EnterAsync("model-a", Ct);
        var other = await turns.EnterAsync("model-b", Ct);

        Assert.False(second.IsCompleted);
        Assert.True(turns.IsBusy("model-a"));
        other.Dispose();
        Assert.False(turns.IsBusy("model-b"));
        first.Dispose();
        (await second).Dispose();
        Assert.False(turns.IsBusy("model-a"));
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_no_trace()
    {
        var turns = new KeyedTurns();
        var held = await turns.EnterAsync("k", Ct);
        using var cancel = new CancellationTokenSource();

        var waiting = turns.EnterAsync("k", cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        Assert.False(turns.IsBusy("k"));
    }
}
