using Archive.Data;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Dictionaries;

/// <summary>
/// A feature's own data: the one definition of a feature's JSON. The per-feature API (<see cref="FeatureResponse"/>
/// adds the dictionary, the circuits using the feature and its neighbours) and the bulk JSONL download write it.
/// </summary>
public record FeatureRecord(
    int Index,
    string Explanation,
    double Density,
    double MaxActivation,
    FeatureHistogram? Histogram,
    IReadOnlyList<LogitEffect> PositiveLogits,
    IReadOnlyList<LogitEffect> NegativeLogits,
    IReadOnlyList<SimilarFeature> SimilarFeatures,
    IReadOnlyList<ActivationContext> TopActivations);

/// <summary>Which of a feature's parts a read fills beyond its own row (each costs one query per page).</summary>
[Flags]
public enum FeatureParts
{
    /// <summary>The feature rows only: no top contexts, and similar features without their explanations.</summary>
    Row = 0,
    TopActivations = 1,
    SimilarExplanations = 2,
    All = TopActivations | SimilarExplanations,
}

/// <summary>
/// Reads features as <see cref="FeatureRecord"/>s a page at a time, by keyset on the index: up to three queries per page
/// whatever its size (the rows, their top contexts, the explanations of the features they name as similar), no tracking.
/// The bulk downloads walk a whole dictionary with it, so memory stays at one page.
/// </summary>
public static class FeatureRecords
{
    /// <summary>Up to <paramref name="take"/> features of the dictionary whose index is at least <paramref name="fromIndex"/>, in index order.</summary>
    public static async Task<List<FeatureRecord>> ReadPageAsync(ArchiveDbContext db, int dictionaryId, int fromIndex, int take, FeatureParts parts, CancellationToken ct)
    {
        var rows = await db.Features.AsNoTracking()
            .Where(f => f.FeatureDictionaryId == dictionaryId && f.Index >= fromIndex)
            .OrderBy(f => f.Index)
            .Take(take)
            .Select(f => new { f.Id, f.Index, f.Explanation, f.Density, f.MaxActivation, f.HistogramJson, f.PositiveLogitsJson, f.NegativeLogitsJson, f.SimilarFeaturesJson })
            .ToListAsync(ct);
        if (rows.Count == 0) return [];

        var ids = rows.Select(r => r.Id).ToList();
        var contexts = parts.HasFlag(FeatureParts.TopActivations)
            ? (await db.FeatureActivations.AsNoTracking()
                .Where(a => ids.Contains(a.FeatureId))
                .OrderBy(a => a.FeatureId).ThenBy(a => a.Rank)
                .Select(a => new { a.FeatureId, Context = new ActivationContext(a.Rank, a.MaxValue, a.MaxTokenIndex, a.Tokens, a.Values) })
                .ToListAsync(ct))
                .ToLookup(a => a.FeatureId, a => a.Context)
            : null;

        var similar = rows.Select(r => DictionaryQueries.ReadSimilar(r.SimilarFeaturesJson)).ToList();
        if (parts.HasFlag(FeatureParts.SimilarExplanations))
        {
            var named = similar.SelectMany(s => s).Select(s => s.Index).Distinct().ToList();
            var explanations = named.Count == 0
                ? []
                : await db.Features.AsNoTracking()
                    .Where(f => f.FeatureDictionaryId == dictionaryId && named.Contains(f.Index))
                    .Select(f => new { f.Index, f.Explanation })
                    .ToDictionaryAsync(f => f.Index, f => f.Explanation, ct);
            similar = similar
                .Select(list => list.Select(s => s with { Explanation = explanations.GetValueOrDefault(s.Index), HasDashboard = explanations.ContainsKey(s.Index) }).ToList())
                .ToList();
        }

        return rows.Select((r, i) => new FeatureRecord(
                r.Index, r.Explanation, r.Density, r.MaxActivation,
                DictionaryQueries.ReadHistogram(r.HistogramJson),
                DictionaryQueries.ReadLogits(r.PositiveLogitsJson),
                DictionaryQueries.ReadLogits(r.NegativeLogitsJson),
                similar[i],
                contexts is null ? [] : contexts[r.Id].ToList()))
            .ToList();
    }
}
