using System.Text.Json;
using Archive.Engine.Methods;
using Archive.Engine.Saes;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Worker.Methods;

/// <summary>
/// A statement about the token a feature fires on, checkable on any token of a token set:
/// <c>{"token": " County"}</c> (the token is exactly this string), <c>{"preceded_by": " \""}</c> (the token before it
/// is), <c>{"token_class": "capitalized"}</c> or <c>{"preceded_by_class": "number"}</c> (see <see cref="TokenClasses"/>).
/// </summary>
public sealed record FeaturePredicate(string Kind, string Value)
{
    public static readonly IReadOnlyList<string> Kinds = ["token", "preceded_by", "token_class", "preceded_by_class"];

    public static FeaturePredicate FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new InvalidDataException("'predicate' must be an object such as {\"token\": \" the\"}.");
        var properties = element.EnumerateObject().ToList();
        if (properties.Count != 1 || !Kinds.Contains(properties[0].Name) || properties[0].Value.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"'predicate' must have exactly one string key among {string.Join(", ", Kinds)}.");
        var predicate = new FeaturePredicate(properties[0].Name, properties[0].Value.GetString()!);
        if (predicate.Kind.EndsWith("_class", StringComparison.Ordinal) && !TokenClasses.All.Contains(predicate.Value))
            throw new InvalidDataException($"Token class '{predicate.Value}' is not one of {string.Join(", ", TokenClasses.All)}.");
        return predicate;
    }

    public Dictionary<string, string> ToJson() => new() { [Kind] = Value };

    /// <summary>Whether the predicate holds at each token, flattened sequence after sequence.</summary>
    public bool[] Evaluate(int[][] tokens, Func<int, string> tokenString)
    {
        var classes = new Dictionary<int, string>();
        string Class(int id) => classes.TryGetValue(id, out var c) ? c : classes[id] = TokenClasses.Of(tokenString(id));
        var n = tokens.Length == 0 ? 0 : tokens[0].Length;
        var result = new bool[tokens.Length * n];
        for (var s = 0; s < tokens.Length; s++)
        {
            for (var p = 0; p < n; p++)
            {
                var at = Kind.StartsWith("preceded_by", StringComparison.Ordinal) ? p - 1 : p;
                if (at < 0) continue;
                var id = tokens[s][at];
                result[s * n + p] = Kind.EndsWith("_class", StringComparison.Ordinal) ? Class(id) == Value : tokenString(id) == Value;
            }
        }
        return result;
    }

    /// <summary>Plain words: "the token is “ County”", "the previous token is a number".</summary>
    public string Describe() => Kind switch
    {
        "token" => $"the token is {Quote(Value)}",
        "preceded_by" => $"the previous token is {Quote(Value)}",
        "token_class" => $"the token is {TokenClasses.Describe(Value)}",
        _ => $"the previous token is {TokenClasses.Describe(Value)}",
    };

    public static string Quote(string token) => "“" + token.Replace(" ", "␣", StringComparison.Ordinal).Replace("\n", "↵", StringComparison.Ordinal) + "”";
}

/// <summary>Coarse classes of token strings, decided from the text alone (leading spaces ignored).</summary>
public static class TokenClasses
{
    public static readonly IReadOnlyList<string> All = ["capitalized", "lowercase", "number", "punctuation", "special", "other"];

    public static string Of(string token)
    {
        if (token is "<unk>" or "<|endoftext|>") return "special";
        var t = token.Trim();
        if (t.Length == 0) return "other";
        if (t.Any(char.IsDigit) && t.All(c => char.IsDigit(c) || c is ',' or '.' or '-' or '/')) return "number";
        if (t.All(c => char.IsPunctuation(c) || char.IsSymbol(c))) return "punctuation";
        if (char.IsUpper(t[0])) return "capitalized";
        if (char.IsLower(t[0])) return "lowercase";
        return "other";
    }

    public static string Describe(string cls) => cls switch
    {
        "capitalized" => "a capitalised word or word piece",
        "lowercase" => "a lower-case word or word piece",
        "number" => "a number",
        "punctuation" => "punctuation",
        "special" => "<|endoftext|> or <unk>",
        _ => "another kind of token",
    };
}

/// <summary>How one feature relates to one predicate over a token set.</summary>
/// <param name="Density">Fraction of tokens with f &gt; 0.</param>
/// <param name="TopContextFraction">Of the feature's <paramref name="TopContexts"/> highest activations (ties broken by position), the fraction where the predicate holds.</param>
/// <param name="ActivationPrecision">Σ f over tokens where the predicate holds ÷ Σ f over all tokens: the share of the feature's activation mass the predicate explains.</param>
/// <param name="Recall">Of the tokens where the predicate holds, the fraction with f &gt; 0.</param>
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
    double Recall);

/// <summary>
/// The numbers behind an SAE feature claim (<c>sae_feature</c>): one streaming pass of the SAE over cached hook
/// activations, per requested feature and its predicate. Shared by the specimen recipe and the evidence method so
/// that the writeup's numbers and the worker's are the same computation.
/// </summary>
public static class SaeFeatureMeasures
{
    public static readonly IReadOnlyList<string> Measures = ["top_context_fraction", "activation_precision", "recall", "density", "max_activation"];

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
    public static Tensor HookActivations(HookedTransformer model, int[][] tokens, string hookName, int batchSequences = 16)
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
                var (_, cache) = model.RunWithCache(input, h => h == hook, stopAtLayer: hook.IsBlockPoint ? hook.Layer + 1 : null);
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
            var index = tensor(features.Select(f => (long)f).ToArray());
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
                using var scope = NewDisposeScope();
                var length = Math.Min(chunkTokens, n - start);
                var f = codes.Tokens(start, length).cpu().index_select(1, index); // [chunk, m]
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
