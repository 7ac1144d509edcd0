using Archive.Formats.SaeLens;
using static TorchSharp.torch;

namespace Archive.Engine.Saes;

/// <summary>
/// An SAE's feature activations f over a token set, read a block of tokens at a time. Statistics and measures read
/// them only through this, so they give the same numbers whether f is computed on the fly
/// (<see cref="EncodedFeatureCodes"/>, memory flat in the token count: the specimen builder's dashboards over every
/// feature) or read from codes encoded once and kept sparse (<see cref="SparseFeatureCodes"/>: the worker, which
/// answers one feature at a time and would otherwise re-encode the whole token set for each).
/// </summary>
public interface IFeatureCodes
{
    int SequenceCount { get; }
    int SequenceLength { get; }
    int DSae { get; }

    /// <summary>Where the blocks are returned (the SAE's device when encoding on the fly, the CPU for stored codes).</summary>
    Device Device { get; }

    /// <summary>f for flat tokens [start, start + length): [length, d_sae], float32, on <see cref="Device"/>.</summary>
    Tensor Tokens(long start, long length);

    /// <summary>f for whole sequences: [sequences.Length, n_pos, d_sae], float32, on <see cref="Device"/>.</summary>
    Tensor Sequences(long[] sequences);

    /// <summary>f of the chosen <paramref name="features"/> only, for flat tokens [start, start + length): [length, m].</summary>
    Tensor Columns(long start, long length, long[] features) => Tokens(start, length).index_select(1, tensor(features).to(Device));

    /// <summary>How many tokens each feature is active on (f &gt; 0), when known without a pass over the tokens.</summary>
    long[]? ActiveCounts => null;
}

/// <summary>f = <c>sae.Encode(activations)</c>, computed for each block when asked for.</summary>
public sealed class EncodedFeatureCodes(SparseAutoencoder sae, Tensor activations) : IFeatureCodes
{
    private readonly Tensor flat = activations.dim() >= 3
        ? activations.reshape([activations.shape[0] * activations.shape[1], .. activations.shape[2..]])
        : throw new ArgumentException("activations must be [n_seq, n_pos, d_in] (or [n_seq, n_pos, n_heads, d_head] for hook_z SAEs).", nameof(activations));

    public int SequenceCount { get; } = (int)activations.shape[0];
    public int SequenceLength { get; } = (int)activations.shape[1];
    public int DSae => (int)sae.d_sae;
    public Device Device => sae.device;

    public Tensor Tokens(long start, long length)
    {
        using var _ = no_grad();
        return sae.Encode(flat.narrow(0, start, length).to(sae.device)).to_type(float32);
    }

    public Tensor Sequences(long[] sequences)
    {
        using var _ = no_grad();
        using var rows = tensor(sequences).to(activations.device);
        return sae.Encode(activations.index_select(0, rows).to(sae.device)).to_type(float32);
    }
}

/// <summary>
/// f encoded once and kept as its non-zero entries, token after token (compressed sparse rows): a TopK SAE with k = 16
/// over 65,536 tokens is 1 M entries, 8 MB, against 256 MB dense for 1,024 features. Blocks are rebuilt dense on
/// request, which costs a fraction of re-encoding (no matmul, no top-k).
/// </summary>
public sealed class SparseFeatureCodes : IFeatureCodes
{
    private readonly long[] rowStart;   // [n_tokens + 1] offsets into columns/values
    private readonly int[] columns;     // feature index of each non-zero entry
    private readonly float[] values;    // its activation

    private SparseFeatureCodes(int sequenceCount, int sequenceLength, int dSae, long[] rowStart, int[] columns, float[] values)
    {
        SequenceCount = sequenceCount;
        SequenceLength = sequenceLength;
        DSae = dSae;
        this.rowStart = rowStart;
        this.columns = columns;
        this.values = values;
    }

    public int SequenceCount { get; }
    public int SequenceLength { get; }
    public int DSae { get; }
    public Device Device => CPU;

    /// <summary>Bytes held, for caches bounded in memory.</summary>
    public long Bytes => rowStart.LongLength * 8 + columns.LongLength * 4 + values.LongLength * 4;

    /// <summary>Encodes <paramref name="activations"/> [n_seq, n_pos, ...] with <paramref name="sae"/>, a block at a time.</summary>
    public static SparseFeatureCodes Encode(SparseAutoencoder sae, Tensor activations, int chunkTokens = 4096)
    {
        var dense = new EncodedFeatureCodes(sae, activations);
        var nTokens = (long)dense.SequenceCount * dense.SequenceLength;
        var rowStart = new long[nTokens + 1];
        var columns = new List<int[]>();
        var values = new List<float[]>();
        var flat = activations.reshape([nTokens, .. activations.shape[2..]]);
        for (long start = 0; start < nTokens; start += chunkTokens)
        {
            EngineCancellation.ThrowIfRequested();
            using var scope = NewDisposeScope();
            var length = Math.Min(chunkTokens, nTokens - start);
            long[] rows;
            Tensor cols, vals;
            if (sae.cfg.architecture == SaeLensConfig.TopK)
            {
                // The top k of each row are the only candidates: no dense f, no search for its non-zeros.
                using var _ = no_grad();
                var (v, i) = sae.EncodeTopK(flat.narrow(0, start, length).to(sae.device));
                var kept = v.gt(0).cpu();
                var k = v.shape[^1];
                rows = (arange(length, int64).unsqueeze(1).expand(length, k)).masked_select(kept).data<long>().ToArray();
                cols = i.cpu().masked_select(kept);
                vals = v.to_type(float32).cpu().masked_select(kept);
            }
            else
            {
                var f = dense.Tokens(start, length).cpu();
                var at = f.nonzero(); // [nnz, 2] (row, column), row-major order
                rows = at[.., 0].data<long>().ToArray();
                cols = at[.., 1];
                vals = f.index([at[.., 0], at[.., 1]]);
            }
            foreach (var row in rows) rowStart[start + row + 1]++;
            columns.Add(cols.to_type(int32).data<int>().ToArray());
            values.Add(vals.data<float>().ToArray());
        }
        for (long t = 0; t < nTokens; t++) rowStart[t + 1] += rowStart[t];
        return new SparseFeatureCodes(dense.SequenceCount, dense.SequenceLength, dense.DSae, rowStart,
            [.. columns.SelectMany(c => c)], [.. values.SelectMany(v => v)]);
    }

    public Tensor Tokens(long start, long length)
    {
        var from = rowStart[start];
        var to = rowStart[start + length];
        var count = (int)(to - from);
        var rows = new long[count];
        for (var r = 0L; r < length; r++)
            for (var e = rowStart[start + r]; e < rowStart[start + r + 1]; e++) rows[e - from] = r;
        using var scope = NewDisposeScope();
        var f = zeros(length, DSae, float32);
        if (count > 0)
        {
            var cols = tensor(columns.AsSpan((int)from, count).ToArray().Select(c => (long)c).ToArray());
            f.index_put_(tensor(values.AsSpan((int)from, count).ToArray()), tensor(rows), cols);
        }
        return f.MoveToOuterDisposeScope();
    }

    public Tensor Sequences(long[] sequences)
    {
        using var scope = NewDisposeScope();
        var blocks = sequences.Select(s => Tokens(s * SequenceLength, SequenceLength).unsqueeze(0)).ToList();
        return cat(blocks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Read straight from the stored entries: a feature's column costs one look at each entry, not a dense block.</summary>
    public Tensor Columns(long start, long length, long[] features)
    {
        var position = new Dictionary<int, int>(features.Length);
        for (var j = 0; j < features.Length; j++) position.TryAdd((int)features[j], j);
        var m = features.Length;
        var result = new float[length * m];
        for (long r = 0; r < length; r++)
            for (var e = rowStart[start + r]; e < rowStart[start + r + 1]; e++)
                if (position.TryGetValue(columns[e], out var j)) result[r * m + j] = values[e];
        return tensor(result, [length, m]);
    }

    public long[]? ActiveCounts => activeCounts ??= CountActive();

    private long[]? activeCounts;

    private long[] CountActive()
    {
        var counts = new long[DSae];
        for (var e = 0; e < columns.Length; e++)
            if (values[e] > 0) counts[columns[e]]++;
        return counts;
    }
}
