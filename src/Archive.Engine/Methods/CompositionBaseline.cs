using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>
/// A composition score of Gaussian matrices with a model's shapes, draw by draw. Random matrices already compose a little
/// (about 1/√d_model: their products are not orthogonal), so a trained pair's score means nothing until it is set against
/// this baseline. Every score is scale-free, so the Gaussians' variance does not matter.
/// </summary>
public sealed record CompositionBaselineResult
{
    public required CompositionKind Mode { get; init; }
    public required long Seed { get; init; }
    public required int DModel { get; init; }
    public required int DHead { get; init; }

    /// <summary>The score of every draw, in the order drawn.</summary>
    public required double[] Scores { get; init; }

    public double Mean => Scores.Average();

    public double StandardDeviation
    {
        get
        {
            var mean = Mean;
            return Math.Sqrt(Scores.Sum(s => (s - mean) * (s - mean)) / Math.Max(1, Scores.Length - 1));
        }
    }

    /// <summary>Nearest rank: the ⌈q·N⌉-th smallest draw (q = 0.95 of 1000 draws: the 950th).</summary>
    public double Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        var sorted = Scores.Order().ToArray();
        return sorted[(int)Math.Ceiling(q * sorted.Length) - 1];
    }

    /// <summary>The fraction of draws strictly below <paramref name="score"/>.</summary>
    public double RankOf(double score) => Scores.Count(s => s < score) / (double)Scores.Length;
}

public static class CompositionBaseline
{
    /// <summary>How the draws are made, as evidence records state it, so that a second implementation regenerates them.</summary>
    public const string Generator =
        "splitmix64 from baseline_seed; each entry z = sqrt(-2 ln u1) * cos(2 pi u2) with u1 = ((next() >> 11) + 1) / 2^53 and " +
        "u2 = (next() >> 11) / 2^53 (two next() per entry); per draw, row-major: the earlier head's W_V [d_model, d_head] and W_O " +
        "[d_head, d_model], then the later head's W_Q and W_K [d_model, d_head] (Q- and K-composition) or W_V and W_O " +
        "(V-composition); the score is that of the dense matrices, as for the model's heads";

    /// <summary>
    /// <paramref name="samples"/> scores ‖L·R‖_F / (‖L‖_F‖R‖_F) with L = W_V·W_O and R as <paramref name="mode"/> forms it from
    /// the later head (see <see cref="WeightScores.CompositionScores"/>), each from freshly drawn matrices (<see cref="Generator"/>).
    /// </summary>
    public static CompositionBaselineResult Sample(CompositionKind mode, int dModel, int dHead, long seed, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        var rng = new SplitMix64(unchecked((ulong)seed));
        var scores = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            using var scope = NewDisposeScope();
            var (v, o) = (Draw(rng, dModel, dHead), Draw(rng, dHead, dModel));
            var (a, b) = mode == CompositionKind.V ? (Draw(rng, dModel, dHead), Draw(rng, dHead, dModel)) : (Draw(rng, dModel, dHead), Draw(rng, dModel, dHead));
            var right = mode switch
            {
                CompositionKind.Q => a.matmul(b.T),  // W_Q·W_Kᵀ
                CompositionKind.K => b.matmul(a.T),  // (W_Q·W_Kᵀ)ᵀ
                _ => a.matmul(b),                    // W_V·W_O
            };
            scores[i] = WeightScores.CompositionScore(v.matmul(o), right);
        }
        return new CompositionBaselineResult { Mode = mode, Seed = seed, DModel = dModel, DHead = dHead, Scores = scores };
    }

    /// <summary>One standard normal from two draws of <paramref name="rng"/> (Box–Muller, cosine branch only, so that the
    /// stream has one rule with no cached second value).</summary>
    public static double NextGaussian(SplitMix64 rng)
    {
        const double scale = 1.0 / (1UL << 53);
        var u1 = ((rng.Next() >> 11) + 1) * scale; // (0, 1]: the logarithm stays finite
        var u2 = (rng.Next() >> 11) * scale;
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static Tensor Draw(SplitMix64 rng, int rows, int columns)
    {
        var values = new double[rows * columns];
        for (var i = 0; i < values.Length; i++) values[i] = NextGaussian(rng);
        return tensor(values, [rows, columns], ScalarType.Float64);
    }
}
