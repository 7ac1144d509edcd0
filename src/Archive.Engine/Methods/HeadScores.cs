using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>
/// Per-head scores on <c>prefix + r + r</c> (evidence-methods.md section 3), each [layer][head], mean over the batch:
/// induction = mean over d in [p+L, p+2L) of A[d, d−L+1]; duplicate-token = mean over d in [p+L, p+2L) of A[d, d−L];
/// previous-token = mean over d in [1, n) of A[d, d−1].
/// </summary>
public sealed record HeadScoresResult
{
    public required RepeatedTokens Inputs { get; init; }
    public required double[][] Induction { get; init; }
    public required double[][] DuplicateToken { get; init; }
    public required double[][] PreviousToken { get; init; }
}

public static class HeadScores
{
    /// <summary>Generates the inputs (recorded in the result) and scores every head.</summary>
    public static HeadScoresResult Run(HookedTransformer model, int batch, int repeatLength, long seed, int? bos = null) =>
        Run(model, RepeatedTokens.Generate(batch, repeatLength, model.Config.d_vocab, seed, bos));

    public static HeadScoresResult Run(HookedTransformer model, RepeatedTokens inputs)
    {
        var c = model.Config;
        if (inputs.SequenceLength > c.n_ctx) throw new ArgumentException($"p + 2L = {inputs.SequenceLength} exceeds n_ctx {c.n_ctx}.", nameof(inputs));
        var induction = new double[c.n_layers][];
        var duplicate = new double[c.n_layers][];
        var previous = new double[c.n_layers][];
        using var scope = NewDisposeScope();
        using var tokens = inputs.ToTensor(model.Device);
        var (_, cache) = model.RunWithCache(tokens, static n => n.Point == HookPoint.Pattern);
        using (cache)
        {
            for (int l = 0; l < c.n_layers; l++)
            {
                var (ind, dup, prev) = FromPattern(cache.Pattern(l), inputs.PrefixLength, inputs.RepeatLength);
                induction[l] = ToDoubles(ind);
                duplicate[l] = ToDoubles(dup);
                previous[l] = ToDoubles(prev);
            }
        }
        return new HeadScoresResult { Inputs = inputs, Induction = induction, DuplicateToken = duplicate, PreviousToken = previous };
    }

    /// <summary>
    /// The three scores per head from one layer's pattern [batch, head, n, n] with n = p + 2L; each result is [head].
    /// <c>diagonal(offset: −k)</c> holds A[j + k, j], so the dest range [p+L, p+2L) is j in [p+L−k, p+2L−k).
    /// </summary>
    public static (Tensor Induction, Tensor DuplicateToken, Tensor PreviousToken) FromPattern(Tensor pattern, int prefixLength, int repeatLength)
    {
        int p = prefixLength, L = repeatLength;
        long n = pattern.shape[^1];
        if (n != p + 2 * L) throw new ArgumentException($"Pattern length {n} is not p + 2L = {p + 2 * L}.", nameof(pattern));
        var a = pattern.to(ScalarType.Float64);
        // A[d, d−L+1] for d in [p+L, p+2L): offset −(L−1), j = d − (L−1) in [p+1, p+L+1).
        var induction = a.diagonal(-(L - 1), -2, -1).narrow(-1, p + 1, L).mean([0, -1]);
        // A[d, d−L] for d in [p+L, p+2L): offset −L, j in [p, p+L).
        var duplicate = a.diagonal(-L, -2, -1).narrow(-1, p, L).mean([0, -1]);
        // A[d, d−1] for d in [1, n): the whole first sub-diagonal.
        var previous = a.diagonal(-1, -2, -1).mean([0, -1]);
        return (induction, duplicate, previous);
    }

    /// <summary>
    /// The chance level of each score: what a head that spreads its attention evenly over every position it may see
    /// (A[d, s] = 1/(d+1)) would score on <c>prefix + r + r</c>. A head's score means something only well above this.
    /// </summary>
    public static (double Induction, double DuplicateToken, double PreviousToken) UniformAttention(int prefixLength, int repeatLength)
    {
        int p = prefixLength, L = repeatLength, n = p + 2 * L;
        double Mean(int from, int to) => Enumerable.Range(from, to - from).Average(d => 1.0 / (d + 1));
        var secondCopy = Mean(p + L, p + 2 * L);
        return (secondCopy, secondCopy, Mean(1, n));
    }

    internal static double[] ToDoubles(Tensor t)
    {
        using var cpu = t.to(ScalarType.Float64, CPU).contiguous();
        return cpu.data<double>().ToArray();
    }
}
