using System.Buffers.Binary;
using System.Security.Cryptography;
using Archive.Engine.Evidence;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Saes;

/// <summary>
/// The recorded token set that statistics were computed over (evidence-methods section 8): the token ids
/// themselves when small, always their SHA-256, and how they were made (generator + seed) when known.
/// </summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the token ids as little-endian int32, sequence after sequence.</param>
/// <param name="TokenIds">The ids [n_seq][n_pos], or null when the set is larger than the inline limit.</param>
/// <param name="Generator">E.g. a dataset name and split, or "uniform random over the vocabulary".</param>
public sealed record TokenSetRecord(
    int SequenceCount,
    int SequenceLength,
    string Sha256,
    int[][]? TokenIds,
    string? Generator,
    long? Seed,
    string? HookName)
{
    public const int DefaultInlineLimit = 65_536;

    public static TokenSetRecord Create(int[][] tokens, string? generator = null, long? seed = null, string? hookName = null,
        int inlineLimit = DefaultInlineLimit)
    {
        var length = tokens.Length == 0 ? 0 : tokens[0].Length;
        if (tokens.Any(t => t.Length != length)) throw new ArgumentException("All token sequences must have the same length.", nameof(tokens));
        var total = (long)tokens.Length * length;
        return new TokenSetRecord(tokens.Length, length, Hash(tokens), total <= inlineLimit ? tokens.Select(t => (int[])t.Clone()).ToArray() : null,
            generator, seed, hookName);
    }

    public static string Hash(int[][] tokens)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[4];
        foreach (var sequence in tokens)
            foreach (var id in sequence)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, id);
                sha.AppendData(buffer);
            }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>Fixed bins over log10 of a feature's non-zero activations.</summary>
/// <param name="BinEdges">Bins + 1 increasing edges; bin b holds values in [edge b, edge b+1) (the last bin also its upper edge).</param>
/// <param name="Counts">Per bin.</param>
/// <param name="Underflow">Non-zero activations whose log10 lies below the first edge.</param>
/// <param name="Overflow">Those above the last edge.</param>
public sealed record ActivationHistogram(double[] BinEdges, long[] Counts, long Underflow, long Overflow)
{
    public long Total => Counts.Sum() + Underflow + Overflow;
}

/// <summary>
/// One of a feature's top activations: token <paramref name="Position"/> of sequence <paramref name="Sequence"/>, with
/// the window of tokens [WindowStart, WindowStart + TokenIds.Length) around it and the feature's activation on each.
/// </summary>
public sealed record ActivatingContext(int Sequence, int Position, float Activation, int WindowStart, int[] TokenIds, float[] Activations);

public sealed record TokenEffect(int TokenId, float Effect);

/// <summary>W_dec[i]·W_U [d_vocab]: the tokens whose logits the feature raises and lowers most.</summary>
public sealed record LogitEffects(TokenEffect[] Positive, TokenEffect[] Negative);

public sealed record SimilarFeature(int Index, float Cosine);

/// <summary>Everything the dashboard shows for one feature.</summary>
/// <param name="Density">Fraction of the token set's tokens with f_i &gt; 0.</param>
/// <param name="MaxActivation">Largest f_i over the token set (0 when never active).</param>
/// <param name="LogitEffects">Null when no unembedding was given.</param>
public sealed record FeatureSummary(
    int Index,
    double Density,
    long ActiveTokens,
    float MaxActivation,
    ActivationHistogram Histogram,
    ActivatingContext[] TopContexts,
    LogitEffects? LogitEffects,
    SimilarFeature[] SimilarFeatures);

public sealed record FeatureStatisticsOptions
{
    /// <summary>Which features to summarise; null means all (densities are always computed for all).</summary>
    public int[]? Features { get; init; }
    public int TopContexts { get; init; } = 20;
    /// <summary>Tokens kept before and after the activating token in a context window.</summary>
    public int WindowBefore { get; init; } = 8;
    public int WindowAfter { get; init; } = 4;
    public double HistogramMinLog10 { get; init; } = -4;
    public double HistogramMaxLog10 { get; init; } = 2;
    public int HistogramBins { get; init; } = 60;
    public int TopLogitTokens { get; init; } = 10;
    public int SimilarFeatures { get; init; } = 10;
    /// <summary>Tokens encoded per chunk; memory grows as ChunkTokens × d_sae.</summary>
    public int ChunkTokens { get; init; } = 1024;

    public double[] HistogramEdges()
    {
        if (HistogramBins <= 0 || !(HistogramMaxLog10 > HistogramMinLog10))
            throw new ArgumentException("The histogram needs at least one bin and max > min.");
        var edges = new double[HistogramBins + 1];
        for (var b = 0; b <= HistogramBins; b++)
            edges[b] = HistogramMinLog10 + (HistogramMaxLog10 - HistogramMinLog10) * b / HistogramBins;
        return edges;
    }
}

/// <summary>Statistics of every feature over one recorded token set, ready to serialise.</summary>
/// <param name="Density">Per feature, over all d_sae features.</param>
/// <param name="LogSparsity">log10(Density), as SAELens's sparsity.safetensors stores it (−∞ written as null).</param>
public sealed record FeatureStatisticsResult(
    TokenSetRecord Inputs,
    FeatureStatisticsOptions Options,
    int d_sae,
    long TokenCount,
    double[] Density,
    double?[] LogSparsity,
    FeatureSummary[] Features);

/// <summary>
/// Feature statistics of evidence-methods section 5. The parts work on a feature-activation tensor so that they
/// can be checked by hand; <see cref="Compute"/> runs the SAE over cached activations and assembles them all.
/// </summary>
public static class FeatureStatistics
{
    /// <summary>Fraction of rows with f_i &gt; 0, per feature. f: [n_tokens, d_sae] (or [n_seq, n_pos, d_sae]).</summary>
    public static double[] Density(Tensor f)
    {
        using var scope = NewDisposeScope();
        var flat = f.reshape(-1, f.shape[^1]);
        var counts = flat.gt(0).sum(0, type: int64).cpu().data<long>().ToArray();
        var n = (double)flat.shape[0];
        return counts.Select(c => c / n).ToArray();
    }

    /// <summary>Histogram of log10 over the non-zero (positive) values of <paramref name="activations"/>.</summary>
    public static ActivationHistogram LogHistogram(IEnumerable<float> activations, double[] edges)
    {
        var bins = edges.Length - 1;
        var counts = new long[bins];
        long under = 0, over = 0;
        var min = edges[0];
        var max = edges[^1];
        foreach (var a in activations)
        {
            if (!(a > 0)) continue;
            var v = Math.Log10(a);
            if (v < min) { under++; continue; }
            if (v > max) { over++; continue; }
            var b = Array.BinarySearch(edges, v);
            b = b >= 0 ? b : ~b - 1; // index of the edge at or below v
            counts[Math.Min(b, bins - 1)]++;
        }
        return new ActivationHistogram(edges, counts, under, over);
    }

    /// <summary>
    /// The k highest activations of one feature. f: [n_seq, n_pos] (that feature's activation on every token); tokens
    /// [n_seq][n_pos]. Only positive activations count; ties go to the earlier (sequence, position).
    /// </summary>
    public static ActivatingContext[] TopContexts(Tensor f, int[][] tokens, int k, int windowBefore, int windowAfter)
    {
        if (f.dim() != 2) throw new ArgumentException("f must be [n_seq, n_pos].", nameof(f));
        using var cpu = f.detach().to_type(float32).cpu().contiguous();
        var nSeq = (int)cpu.shape[0];
        var nPos = (int)cpu.shape[1];
        if (tokens.Length != nSeq || tokens.Any(t => t.Length != nPos))
            throw new ArgumentException($"tokens must be [{nSeq}][{nPos}] to match the activations.", nameof(tokens));
        var values = cpu.data<float>().ToArray();
        return TopContexts(values, nSeq, nPos, tokens, k, windowBefore, windowAfter);
    }

    private static ActivatingContext[] TopContexts(float[] values, int nSeq, int nPos, int[][] tokens, int k, int windowBefore, int windowAfter)
    {
        var order = Enumerable.Range(0, values.Length)
            .Where(i => values[i] > 0)
            .OrderByDescending(i => values[i])
            .ThenBy(i => i)
            .Take(k);
        var result = new List<ActivatingContext>();
        foreach (var flat in order)
        {
            var s = flat / nPos;
            var p = flat % nPos;
            var start = Math.Max(0, p - windowBefore);
            var end = Math.Min(nPos, p + windowAfter + 1);
            result.Add(new ActivatingContext(s, p, values[flat], start, tokens[s][start..end],
                values.AsSpan(s * nPos + start, end - start).ToArray()));
        }
        return result.ToArray();
    }

    /// <summary>W_dec[i]·W_U over the vocabulary, its <paramref name="top"/> most positive and most negative tokens. W_U: [d_in, d_vocab].</summary>
    public static LogitEffects LogitEffectsOf(SparseAutoencoder sae, Tensor W_U, int feature, int top) =>
        LogitEffectsOf(sae, W_U, [feature], top)[0];

    /// <summary><see cref="LogitEffectsOf(SparseAutoencoder, Tensor, int, int)"/> for many features, in chunks.</summary>
    public static LogitEffects[] LogitEffectsOf(SparseAutoencoder sae, Tensor W_U, int[] features, int top, int chunk = 256)
    {
        if (W_U.dim() != 2 || W_U.shape[0] != sae.d_in)
            throw new ArgumentException($"W_U must be [d_in = {sae.d_in}, d_vocab].", nameof(W_U));
        using var _ = no_grad();
        using var outer = NewDisposeScope();
        var unembed = W_U.to(sae.device).to_type(float32);
        top = (int)Math.Min(top, W_U.shape[1]);
        var result = new LogitEffects[features.Length];
        for (var start = 0; start < features.Length; start += chunk)
        {
            using var scope = NewDisposeScope();
            var ids = features[start..Math.Min(features.Length, start + chunk)];
            using var index = tensor(ids.Select(i => (long)i).ToArray()).to(sae.device);
            var effects = matmul(sae.W_dec.index_select(0, index).to_type(float32), unembed); // [chunk, d_vocab]
            var (pv, pi) = effects.topk(top, dim: 1, largest: true);
            var (nv, ni) = effects.topk(top, dim: 1, largest: false);
            for (var j = 0; j < ids.Length; j++)
                result[start + j] = new LogitEffects(Zip(pi[j], pv[j]), Zip(ni[j], nv[j]));
        }
        return result;
    }

    /// <summary>Features whose decoder rows have the highest cosine similarity with feature <paramref name="feature"/>'s (itself excluded).</summary>
    public static SimilarFeature[] SimilarFeaturesOf(SparseAutoencoder sae, int feature, int top) =>
        SimilarFeaturesOf(sae, [feature], top)[0];

    /// <summary><see cref="SimilarFeaturesOf(SparseAutoencoder, int, int)"/> for many features, in chunks.</summary>
    public static SimilarFeature[][] SimilarFeaturesOf(SparseAutoencoder sae, int[] features, int top, int chunk = 256)
    {
        using var _ = no_grad();
        using var outer = NewDisposeScope();
        var W = sae.W_dec.to_type(float32);
        var unit = W / W.norm(1, keepdim: true).clamp_min(1e-12); // [d_sae, d_in]
        top = Math.Min(top, sae.d_sae - 1);
        var result = new SimilarFeature[features.Length][];
        if (top <= 0)
        {
            for (var j = 0; j < features.Length; j++) result[j] = [];
            return result;
        }
        for (var start = 0; start < features.Length; start += chunk)
        {
            using var scope = NewDisposeScope();
            var ids = features[start..Math.Min(features.Length, start + chunk)];
            var index = tensor(ids.Select(i => (long)i).ToArray()).to(sae.device);
            var cosines = matmul(unit.index_select(0, index), unit.t()); // [chunk, d_sae]
            cosines.scatter_(1, index.unsqueeze(1), full(ids.Length, 1, float.NegativeInfinity, device: cosines.device)); // exclude the feature itself
            var (v, i) = cosines.topk(top, dim: 1, largest: true);
            for (var j = 0; j < ids.Length; j++)
                result[start + j] = Zip(i[j], v[j]).Select(e => new SimilarFeature(e.TokenId, e.Effect)).ToArray();
        }
        return result;
    }

    private static TokenEffect[] Zip(Tensor indices, Tensor values)
    {
        using var idsCpu = indices.to_type(int64).cpu();
        using var valsCpu = values.to_type(float32).cpu();
        var ids = idsCpu.data<long>().ToArray();
        var vals = valsCpu.data<float>().ToArray();
        return ids.Select((id, n) => new TokenEffect((int)id, vals[n])).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="model"/> on <paramref name="tokens"/> [n_seq][n_pos] in batches, caches the activations at
    /// the SAE's hook (cfg.hook_name), and summarises them as <see cref="Compute(SparseAutoencoder, Tensor, TokenSetRecord, int[][], FeatureStatisticsOptions?, Tensor?)"/>.
    /// Logit effects use the model's <c>unembed.W_U</c> when the hook is on the residual stream.
    /// </summary>
    public static FeatureStatisticsResult Compute(
        HookedTransformer model,
        SparseAutoencoder sae,
        int[][] tokens,
        string? generator = null,
        long? seed = null,
        FeatureStatisticsOptions? options = null,
        int batchSequences = 16)
    {
        var hookName = sae.cfg.hook_name ?? throw new ArgumentException("The SAE's cfg.json names no hook_name.", nameof(sae));
        if (tokens.Length == 0) throw new ArgumentException("No token sequences.", nameof(tokens));
        var inputs = TokenSetRecord.Create(tokens, generator, seed, hookName);
        using var activations = SaeFeatureMeasures.HookActivations(model, tokens, hookName, batchSequences);
        return Compute(model, sae, activations, inputs, tokens, options);
    }

    /// <summary>
    /// As <see cref="Compute(SparseAutoencoder, Tensor, TokenSetRecord, int[][], FeatureStatisticsOptions?, Tensor?)"/>
    /// over <paramref name="model"/>'s activations at the SAE's hook, with logit effects through the model's
    /// <c>unembed.W_U</c> when the hook is on the residual stream (elsewhere W_dec·W_U means nothing).
    /// </summary>
    public static FeatureStatisticsResult Compute(HookedTransformer model, SparseAutoencoder sae, Tensor activations, TokenSetRecord inputs,
        int[][] tokens, FeatureStatisticsOptions? options = null)
    {
        var hookName = sae.cfg.hook_name ?? throw new ArgumentException("The SAE's cfg.json names no hook_name.", nameof(sae));
        if (!HookName.TryParse(hookName, out var hook))
            throw new ArgumentException($"The SAE's hook_name '{hookName}' is not a hook point of this engine.", nameof(sae));
        var residual = hook.Point is HookPoint.ResidPre or HookPoint.ResidMid or HookPoint.ResidPost;
        var W_U = residual && sae.d_in == model.Config.d_model ? model.Param("unembed.W_U") : null;
        return Compute(sae, activations, inputs, tokens, options, W_U);
    }

    /// <summary>
    /// Runs <paramref name="sae"/> over cached activations [n_seq, n_pos, d_in] for <paramref name="tokens"/>
    /// [n_seq][n_pos] and summarises the chosen features. <paramref name="W_U"/> [d_in, d_vocab] adds logit effects
    /// (meaningful when the SAE reads the residual stream). One streaming pass over the tokens (memory
    /// ChunkTokens × d_sae plus features × (TopContexts + bins)), then a re-encoding of just the sequences that hold
    /// a top context. Top contexts are ordered by activation, then (sequence, position); which of several exactly
    /// equal activations at the k-th place is kept is left to torch.topk.
    /// </summary>
    public static FeatureStatisticsResult Compute(
        SparseAutoencoder sae,
        Tensor activations,
        TokenSetRecord inputs,
        int[][] tokens,
        FeatureStatisticsOptions? options = null,
        Tensor? W_U = null) =>
        Compute(sae, new EncodedFeatureCodes(sae, activations), inputs, tokens, options, W_U);

    /// <summary>As above, reading f from <paramref name="codes"/> (e.g. <see cref="SparseFeatureCodes"/> encoded once).</summary>
    public static FeatureStatisticsResult Compute(
        SparseAutoencoder sae,
        IFeatureCodes codes,
        TokenSetRecord inputs,
        int[][] tokens,
        FeatureStatisticsOptions? options = null,
        Tensor? W_U = null)
    {
        options ??= new FeatureStatisticsOptions();
        var nSeq = codes.SequenceCount;
        var nPos = codes.SequenceLength;
        if (tokens.Length != nSeq || tokens.Any(t => t.Length != nPos))
            throw new ArgumentException($"tokens must be [{nSeq}][{nPos}] to match the activations.", nameof(tokens));
        if (inputs.Sha256 != TokenSetRecord.Hash(tokens))
            throw new ArgumentException("The token set record's hash does not match the tokens.", nameof(inputs));
        var features = options.Features ?? Enumerable.Range(0, sae.d_sae).ToArray();
        if (features.Any(i => i < 0 || i >= sae.d_sae)) throw new ArgumentOutOfRangeException(nameof(options), "A requested feature index is outside [0, d_sae).");

        var nTokens = (long)nSeq * nPos;
        var k = Math.Max(0, options.TopContexts);
        var edges = options.HistogramEdges();
        var bins = edges.Length - 1;
        long[] active;
        long[] histogram;   // [n_features, bins + 3]: underflow, bins…, overflow, (non-positive: discarded)
        float[] maxima;     // [n_features]
        float[] topValues;  // [n_features, k]
        long[] topIndices;  // [n_features, k], flat token index seq·n_pos + pos
        using (no_grad())
        using (var outer = NewDisposeScope())
        {
            // One pass over the tokens, keeping per feature: active count, histogram counts, and a running top k.
            var device = codes.Device;
            var featureIds = features.Select(i => (long)i).ToArray();
            var index = tensor(featureIds).to(device);
            var edgeTensor = tensor(edges).to(device);
            var activeT = zeros(sae.d_sae, int64, device);
            var histT = zeros(new long[] { features.Length, bins + 3 }, int64, device);
            var maxT = zeros(features.Length, float32, device);
            var topV = zeros(new long[] { features.Length, k }, float32, device);
            var topI = full(new long[] { features.Length, k }, -1L, int64, device);
            for (long start = 0; start < nTokens; start += options.ChunkTokens)
            {
                EngineCancellation.ThrowIfRequested();
                using var scope = NewDisposeScope();
                var length = Math.Min(options.ChunkTokens, nTokens - start);
                Tensor chosen; // [n_features, chunk]
                if (codes.ActiveCounts is null)
                {
                    var f = codes.Tokens(start, length); // [chunk, d_sae]
                    activeT.add_(f.gt(0).sum(0, type: int64));
                    chosen = f.index_select(1, index).t();
                }
                else
                {
                    chosen = codes.Columns(start, length, featureIds).to(device).t();
                }
                maxT.copy_(maximum(maxT, chosen.amax([1L])));

                // log10 bins (in float64): slot 0 below the first edge, 1..bins the bins (last edge inclusive),
                // bins + 1 above the last edge, bins + 2 for activations that are not positive.
                var log = chosen.to_type(float64).clamp_min(double.Epsilon).log10();
                var slot = bucketize(log, edgeTensor, right: true);
                slot = where(log.eq(edges[^1]), full_like(slot, bins), slot);
                slot = where(chosen.gt(0), slot, full_like(slot, bins + 2));
                histT.scatter_add_(1, slot, ones_like(slot));

                if (k > 0)
                {
                    var positions = (arange(length, int64, device) + start).unsqueeze(0).expand(features.Length, length);
                    var (v, at) = cat([topV, chosen], 1).topk(k, dim: 1, largest: true, sorted: false);
                    var newI = cat([topI, positions], 1).gather(1, at);
                    topV.copy_(v);
                    topI.copy_(newI);
                }
            }
            active = codes.ActiveCounts ?? activeT.cpu().data<long>().ToArray();
            histogram = histT.cpu().data<long>().ToArray();
            maxima = maxT.cpu().data<float>().ToArray();
            topValues = topV.cpu().data<float>().ToArray();
            topIndices = topI.cpu().data<long>().ToArray();
        }

        // Context windows: re-encode only the sequences some top context lies in, a few at a time.
        var contexts = new List<(int Feature, long Flat, float Value)>[features.Length];
        var bySequence = new SortedDictionary<int, List<(int Feature, int Rank)>>();
        for (var j = 0; j < features.Length; j++)
        {
            contexts[j] = Enumerable.Range(0, k)
                .Select(r => (j, topIndices[j * k + r], topValues[j * k + r]))
                .Where(c => c.Item2 >= 0 && c.Item3 > 0)
                .OrderByDescending(c => c.Item3).ThenBy(c => c.Item2)
                .ToList();
            for (var r = 0; r < contexts[j].Count; r++)
            {
                var seq = (int)(contexts[j][r].Flat / nPos);
                if (!bySequence.TryGetValue(seq, out var list)) bySequence[seq] = list = [];
                list.Add((j, r));
            }
        }
        var windows = new ActivatingContext[features.Length][];
        for (var j = 0; j < features.Length; j++) windows[j] = new ActivatingContext[contexts[j].Count];
        using (no_grad())
        {
            var sequences = bySequence.Keys.ToArray();
            const int batchSequences = 16;
            for (var b = 0; b < sequences.Length; b += batchSequences)
            {
                using var scope = NewDisposeScope();
                var batch = sequences[b..Math.Min(sequences.Length, b + batchSequences)];
                var f = codes.Sequences([.. batch.Select(s => (long)s)]); // [batch, n_pos, d_sae]
                for (var n = 0; n < batch.Length; n++)
                {
                    var requests = bySequence[batch[n]];
                    var needed = requests.Select(r => features[r.Feature]).Distinct().ToArray();
                    var column = needed.Select((feature, c) => (feature, c)).ToDictionary(p => p.feature, p => p.c);
                    var sub = f[n].index_select(1, tensor(needed.Select(i => (long)i).ToArray()).to(f.device)).cpu().contiguous();
                    var values = sub.data<float>().ToArray(); // [n_pos, needed]
                    foreach (var (feature, rank) in requests)
                    {
                        var (_, flatIndex, value) = contexts[feature][rank];
                        var p = (int)(flatIndex % nPos);
                        var from = Math.Max(0, p - options.WindowBefore);
                        var to = Math.Min(nPos, p + options.WindowAfter + 1);
                        var c = column[features[feature]];
                        var acts = new float[to - from];
                        for (var t = from; t < to; t++) acts[t - from] = values[t * needed.Length + c];
                        windows[feature][rank] = new ActivatingContext(batch[n], p, value, from, tokens[batch[n]][from..to], acts);
                    }
                }
            }
        }

        var density = active.Select(c => nTokens == 0 ? 0.0 : c / (double)nTokens).ToArray();
        var logitEffects = W_U is null ? null : LogitEffectsOf(sae, W_U, features, options.TopLogitTokens);
        var similar = SimilarFeaturesOf(sae, features, options.SimilarFeatures);
        var summaries = new FeatureSummary[features.Length];
        var width = bins + 3;
        for (var j = 0; j < features.Length; j++)
        {
            var i = features[j];
            summaries[j] = new FeatureSummary(
                i,
                density[i],
                active[i],
                maxima[j],
                new ActivationHistogram(edges, histogram.AsSpan(j * width + 1, bins).ToArray(), histogram[j * width], histogram[j * width + bins + 1]),
                windows[j],
                logitEffects?[j],
                similar[j]);
        }
        return new FeatureStatisticsResult(inputs, options, sae.d_sae, nTokens, density,
            density.Select(d => d > 0 ? Math.Log10(d) : (double?)null).ToArray(), summaries);
    }
}
