using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014), written out so any language regenerates the same stream:
/// <code>
/// state += 0x9E3779B97F4A7C15
/// z = state
/// z = (z ^ (z &gt;&gt; 30)) * 0xBF58476D1CE4E5B9
/// z = (z ^ (z &gt;&gt; 27)) * 0x94D049BB133111EB
/// return z ^ (z &gt;&gt; 31)            (all arithmetic mod 2^64; the first state is the seed)
/// </code>
/// A token uniform on [0, n) is <c>next() mod n</c> (bias below n / 2^64, irrelevant for vocabularies).
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    /// <summary>The generator's name as evidence records store it.</summary>
    public const string Name = "splitmix64-mod";

    private ulong _state = seed;

    public ulong Next()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform on [0, exclusiveMax): <c>Next() mod exclusiveMax</c>.</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        return (int)(Next() % (ulong)exclusiveMax);
    }
}

/// <summary>
/// A batch of sequences <c>prefix + r + r</c> (evidence-methods.md section 3): prefix is empty or one BOS token,
/// r is <see cref="RepeatLength"/> tokens drawn from <see cref="SplitMix64"/> seeded with <see cref="Seed"/>,
/// sequence by sequence, token by token, each <c>next() mod VocabSize</c>.
/// </summary>
public sealed record RepeatedTokens
{
    public required int[][] Tokens { get; init; }
    public required int RepeatLength { get; init; }
    public required int VocabSize { get; init; }
    public required long Seed { get; init; }
    /// <summary>The BOS token id, or null for no prefix.</summary>
    public int? Bos { get; init; }
    public string Generator { get; init; } = SplitMix64.Name;

    /// <summary>p: 1 with a BOS token, else 0.</summary>
    public int PrefixLength => Bos is null ? 0 : 1;

    /// <summary>n = p + 2L.</summary>
    public int SequenceLength => PrefixLength + 2 * RepeatLength;

    public int Batch => Tokens.Length;

    public static RepeatedTokens Generate(int batch, int repeatLength, int vocabSize, long seed, int? bos = null) =>
        new()
        {
            Tokens = Generate(batch, repeatLength, vocabSize, new SplitMix64(unchecked((ulong)seed)), bos),
            RepeatLength = repeatLength, VocabSize = vocabSize, Seed = seed, Bos = bos,
        };

    /// <summary>The next <paramref name="batch"/> sequences from an existing stream (training draws batch after batch).</summary>
    public static int[][] Generate(int batch, int repeatLength, int vocabSize, SplitMix64 rng, int? bos = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeatLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        int p = bos is null ? 0 : 1;
        var tokens = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            var seq = new int[p + 2 * repeatLength];
            if (bos is int id) seq[0] = id;
            for (int i = 0; i < repeatLength; i++)
            {
                int t = rng.NextInt(vocabSize);
                seq[p + i] = t;
                seq[p + repeatLength + i] = t;
            }
            tokens[b] = seq;
        }
        return tokens;
    }

    /// <summary>[batch, pos] int64 on <paramref name="device"/>.</summary>
    public Tensor ToTensor(Device? device = null) => TokenTensor.From(Tokens, device);
}

/// <summary>Conversions between token-id arrays (what evidence stores) and [batch, pos] int64 tensors.</summary>
public static class TokenTensor
{
    public static Tensor From(int[][] tokens, Device? device = null)
    {
        if (tokens.Length == 0) throw new ArgumentException("No sequences.", nameof(tokens));
        int n = tokens[0].Length;
        if (n == 0 || tokens.Any(t => t.Length != n)) throw new ArgumentException("Sequences must be non-empty and of equal length.", nameof(tokens));
        var flat = new long[tokens.Length * n];
        for (int b = 0; b < tokens.Length; b++)
            for (int i = 0; i < n; i++) flat[b * n + i] = tokens[b][i];
        return tensor(flat, [tokens.Length, n], ScalarType.Int64, device ?? EngineDevice.Default);
    }

    public static int[][] ToArrays(Tensor tokens)
    {
        if (tokens.dim() == 1) tokens = tokens.unsqueeze(0);
        using var cpu = tokens.to(ScalarType.Int64, CPU).contiguous();
        var data = cpu.data<long>().ToArray();
        int batch = (int)tokens.shape[0], n = (int)tokens.shape[1];
        var result = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            result[b] = new int[n];
            for (int i = 0; i < n; i++) result[b][i] = checked((int)data[b * n + i]);
        }
        return result;
    }
}
