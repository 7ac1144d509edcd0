namespace Archive.Specimens.Build;

/// <summary>
/// A number measured once on each of n selection batches, and what it predicts for one more batch of the same size drawn
/// with another seed: the two-sided 99.8% prediction interval of a normal sample, mean ± t · sd · √(1 + 1/n) with t
/// Student's 0.999 quantile on n − 1 degrees of freedom (a fresh batch falls below the lower end, or above the upper
/// one, with probability 0.1% each). The margin is therefore the spread the batches themselves showed, not a constant.
/// Bounds are rounded outward to <see cref="Step"/>.
/// </summary>
public sealed record InductionPrediction(IReadOnlyList<double> Values)
{
    public const double Step = 0.01;

    /// <summary>Student's t, 0.999 quantile, for 1 to 10 degrees of freedom (standard tables).</summary>
    private static readonly double[] T999 = [318.31, 22.327, 10.215, 7.173, 5.893, 5.208, 4.785, 4.501, 4.297, 4.144];

    public int Count => Values.Count;

    public double Mean => Values.Average();

    public double StandardDeviation
    {
        get
        {
            var mean = Mean;
            return Math.Sqrt(Values.Sum(v => (v - mean) * (v - mean)) / (Count - 1));
        }
    }

    public double T => Count - 1 is var df and >= 1 and <= 10
        ? T999[df - 1]
        : throw new InvalidOperationException($"Prediction intervals are tabulated for 2 to 11 batches, not {Count}.");

    /// <summary>Half the width of the prediction interval, before rounding.</summary>
    public double Margin => T * StandardDeviation * Math.Sqrt(1 + 1.0 / Count);

    // + 0.0 turns a rounded −0 into 0, which claims and JSON would otherwise print as "-0".
    public double Lower => BundleWriter.ThresholdBelow(Mean, Margin, Step) + 0.0;

    public double Upper => BundleWriter.ThresholdAbove(Mean, Margin, Step) + 0.0;

    public static InductionPrediction Of(IEnumerable<double> values) => new([.. values]);
}
