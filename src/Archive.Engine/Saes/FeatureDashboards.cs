using Archive.Formats.Dictionaries;

namespace Archive.Engine.Saes;

/// <summary>
/// Computed statistics as the dashboards the archive stores (<see cref="FeatureDashboardFile"/>): token ids written out
/// as strings, numbers rounded to three decimals (what a dashboard shows; the evidence records keep full precision).
/// One rule for the specimen builder's <c>features.json</c> and the worker's dashboards of an uploaded dictionary.
/// </summary>
public static class FeatureDashboards
{
    public static FeatureDashboardFile From(string hookName, FeatureStatisticsResult stats, Func<int, string> tokenString,
        IReadOnlyDictionary<int, string>? explanations = null)
    {
        static double R(double v) => Math.Round(v, 3);
        return new FeatureDashboardFile
        {
            HookName = hookName,
            DSae = stats.d_sae,
            TokenSet = new DashboardTokenSet(stats.Inputs.SequenceCount, stats.Inputs.SequenceLength, stats.Inputs.Sha256, stats.Inputs.Generator ?? ""),
            HistogramEdges = stats.Options.HistogramEdges().Select(R).ToArray(),
            Features = [.. stats.Features.Select(f => new FeatureDashboard
            {
                Index = f.Index,
                Explanation = explanations?.GetValueOrDefault(f.Index, "") ?? "",
                Density = f.Density,
                ActiveTokens = f.ActiveTokens,
                MaxActivation = R(f.MaxActivation),
                HistogramCounts = f.Histogram.Counts,
                HistogramUnderflow = f.Histogram.Underflow,
                HistogramOverflow = f.Histogram.Overflow,
                TopContexts = [.. f.TopContexts.Select(c => new DashboardContext(c.Sequence, c.Position, R(c.Activation), c.Position - c.WindowStart,
                    [.. c.TokenIds.Select(tokenString)], [.. c.Activations.Select(a => R(a))]))],
                PositiveLogits = [.. (f.LogitEffects?.Positive ?? []).Select(e => new DashboardLogit(tokenString(e.TokenId), e.TokenId, R(e.Effect)))],
                NegativeLogits = [.. (f.LogitEffects?.Negative ?? []).Select(e => new DashboardLogit(tokenString(e.TokenId), e.TokenId, R(e.Effect)))],
                SimilarFeatures = [.. f.SimilarFeatures.Select(s => new DashboardSimilar(s.Index, R(s.Cosine)))],
            })],
        };
    }
}
