namespace Archive.Data;

/// <summary>One holder at a time per key; a key's gate exists only while someone holds or waits for it.</summary>
public sealed class KeyedTurns
{
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string key, CancellationToken ct)
    {
        SemaphoreSlim gate;
        lock (gates)
        {
            gate = gates.TryGetValue(key, out var entry) ? entry.Gate : new SemaphoreSlim(1, 1);
            gates[key] = (gate, entry.Users + 1);
        }
        try
        {
            await gate.WaitAsync(ct);
        }
        catch
        {
            Leave(key, gate, entered: false);
            throw;
        }
        return new Turn(this, key, gate);
    }

    /// <summary>Whether someone holds or waits for <paramref name="key"/>'s turn now.</summary>
    public bool IsBusy(string key)
    {
        lock (gates) return gates.ContainsKey(key);
    }

    private void Leave(string key, SemaphoreSlim gate, bool entered)
    {
        if (entered) gate.Release();
        lock (gates)
        {
            var (_, users) = gates[key];
            if (users == 1)
            {
                gates.Remove(key);
                gate.Dispose();
            }
            else
            {
                gates[key] = (gate, users - 1);
            }
        }
    }

    private sealed class Turn(KeyedTurns owner, string key, SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => owner.Leave(key, gate, entered: true);
    }
}

