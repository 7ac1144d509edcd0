using Archive.Formats.Claims;
using Archive.Engine.Methods;
using Archive.Engine.Saes;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Evidence;

/// <summary>How one feature relates to one predicate over a token set.</summary>
/// <param name="Density">Fraction of tokens with f &gt; 0.</param>
/// <param name="TopContextFraction">Of the feature's <paramref name="TopContexts"/> highest activations (ties broken by position), the fraction where the predicate holds.</param>
/// <param name="ActivationPrecision">Σ f over tokens where the predicate holds ÷ Σ f over all tokens: the share of the feature's activation mass the predicate explains.</param>
/// <param name="Recall">Of the tokens where the predicate holds, the fraction with f &gt; 0.</param>
/// <remarks><see cref="BaseRate"/> is the control for the first two: what a feature blind to the property would score.</remarks>
public sealed record FeatureMeasure(
    int Feature,
    long Tokens,
    long ActiveTokens,
    double Density,
    double MaxActivation,
    int TopContexts,
    int TopContextMatches,
    double TopContextFraction,
    double ActivationPrecision,
    long PredicateTokens,
    long PredicateTokensActive,
    double Recall)
{
    /// <summary>The fraction of the token set's tokens where the predicate holds.</summary>
    public double BaseRate => Tokens > 0 ? PredicateTokens / (double)Tokens : 0;
}

/// <summary>
/// The numbers behind an SAE feature claim (<c>sae_feature</c>): one streaming pass of the SAE over cached hook
/// activations, per requested feature and its predicate. Shared by the specimen recipe and the evidence method so
/// that the writeup's numbers and the worker's are the same computation.
/// </summary>
public static class SaeFeatureMeasures
{
    public static IReadOnlyList<string> Measures => SaeFeatureParameters.Measures;

    public static double Select(FeatureMeasure m, string measure) => measure switch
    {
        "top_context_fraction" => m.TopContextFraction,
        "activation_precision" => m.ActivationPrecision,
        "recall" => m.Recall,
        "density" => m.Density,
        "max_activation" => m.MaxActivation,
        _ => throw new InvalidDataException($"Unknown measure '{measure}'; known: {string.Join(", ", Measures)}."),
    };

    /// <summary>The model's activations at <paramref name="hookName"/> for every sequence: [n_seq, n_pos, ...] on the CPU.</summary>
    public static Tensor HookActivations(HookedTransformer model, int[][] tokens, string hookName, int batchSequences = 64)
    {
        if (!HookName.TryParse(hookName, out var hook)) throw new InvalidDataException($"'{hookName}' is not a hook point of this engine.");
        var parts = new List<Tensor>();
        try
        {
            using var _ = no_grad();
            for (var start = 0; start < tokens.Length; start += batchSequences)
            {
                using var scope = NewDisposeScope();
                var input = TokenTensor.From(tokens[start..Math.Min(tokens.Length, start + batchSequences)], model.Device);
                // Blocks after the hook's and the unembedding cannot change it: stop there.
                var (_, cache) = model.RunWithCache(input, h => h == hook, stopAtLayer: hook.IsBlockPoint ? hook.Layer + 1 : null, fused: true);
                using (cache)
                {
                    if (!cache.TryGetValue(hook, out var acts)) throw new InvalidDataException($"The model has no hook point '{hookName}'.");
                    parts.Add(acts.detach().to(CPU).to_type(float32).MoveToOuterDisposeScope());
                }
            }
            return cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>
    /// Measures each of <paramref name="features"/> against its own predicate, over the feature activations
    /// <paramref name="codes"/> of <paramref name="tokens"/> [n_seq][n_pos].
    /// </summary>
    public static FeatureMeasure[] Measure(
        IFeatureCodes codes, int[][] tokens, int[] features, FeaturePredicate[] predicates,
        Func<int, string> tokenString, int topContexts, int chunkTokens = 4096)
    {
        if (features.Length != predicates.Length) throw new ArgumentException("One predicate per feature.");
        if (features.Any(f => f < 0 || f >= codes.DSae)) throw new InvalidDataException($"A feature index is outside [0, {codes.DSae}).");
        var nSeq = tokens.Length;
        var nPos = tokens[0].Length;
        if (nSeq != codes.SequenceCount || nPos != codes.SequenceLength) throw new ArgumentException("The codes are for another token set.", nameof(codes));
        var n = (long)nSeq * nPos;
        var m = features.Length;
        // mask [n_tokens, m]: predicate j at token t.
        var maskValues = new float[n * m];
        for (var j = 0; j < m; j++)
        {
            var holds = predicates[j].Evaluate(tokens, tokenString);
            for (long t = 0; t < n; t++) if (holds[t]) maskValues[t * m + j] = 1;
        }

        double[] sumAll, sumMasked, maxima;
        long[] active, maskCount, maskActive;
        float[] topV;
        long[] topI;
        var k = topContexts;
        using (no_grad())
        using (var outer = NewDisposeScope())
        {
            var mask = tensor(maskValues, [n, m]);
            var featureIds = features.Select(f => (long)f).ToArray();
            var sAll = zeros(m, float64);
            var sMask = zeros(m, float64);
            var mx = zeros(m, float32);
            var act = zeros(m, int64);
            var mc = zeros(m, int64);
            var ma = zeros(m, int64);
            var tv = full(new long[] { m, k }, float.NegativeInfinity, float32);
            var ti = full(new long[] { m, k }, -1L, int64);
            for (long start = 0; start < n; start += chunkTokens)
            {
                EngineCancellation.ThrowIfRequested();
                using var scope = NewDisposeScope();
                var length = Math.Min(chunkTokens, n - start);
                var f = codes.Columns(start, length, featureIds).cpu(); // [chunk, m]
                var mk = mask.narrow(0, start, length);
                sAll.add_(f.sum(0, type: float64));
                sMask.add_((f * mk).sum(0, type: float64));
                mx.copy_(maximum(mx, f.amax([0L])));
                var on = f.gt(0);
                act.add_(on.sum(0, type: int64));
                mc.add_(mk.gt(0).sum(0, type: int64));
                ma.add_((on & mk.gt(0)).sum(0, type: int64));
                if (k > 0)
                {
                    // Running top k per feature; positions are flat token indices.
                    var positions = (arange(length, int64) + start).unsqueeze(0).expand(m, length);
                    var (v, at) = cat([tv, f.t()], 1).topk(k, dim: 1, largest: true, sorted: false);
                    ti.copy_(cat([ti, positions], 1).gather(1, at));
                    tv.copy_(v);
                }
            }
            sumAll = sAll.data<double>().ToArray();
            sumMasked = sMask.data<double>().ToArray();
            maxima = mx.data<float>().Select(x => (double)x).ToArray();
            active = act.data<long>().ToArray();
            maskCount = mc.data<long>().ToArray();
            maskActive = ma.data<long>().ToArray();
            topV = tv.data<float>().ToArray();
            topI = ti.data<long>().ToArray();
        }

        var result = new FeatureMeasure[m];
        for (var j = 0; j < m; j++)
        {
            // Positive activations only, highest first, ties to the earlier token (FeatureStatistics's order).
            var top = Enumerable.Range(0, k).Select(r => (V: topV[j * k + r], I: topI[j * k + r]))
                .Where(x => x.I >= 0 && x.V > 0).OrderByDescending(x => x.V).ThenBy(x => x.I).ToList();
            var matches = top.Count(x => maskValues[x.I * m + j] > 0);
            result[j] = new FeatureMeasure(
                features[j], n, active[j], active[j] / (double)n, maxima[j],
                top.Count, matches, top.Count == 0 ? 0 : matches / (double)top.Count,
                sumAll[j] > 0 ? sumMasked[j] / sumAll[j] : 0,
                maskCount[j], maskActive[j], maskCount[j] > 0 ? maskActive[j] / (double)maskCount[j] : 0);
        }
        return result;
    }
}
