using System.Text.Json;
using Archive.Formats.Dictionaries;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Dictionaries;

/// <summary>
/// Dashboards (<see cref="FeatureDashboardFile"/>) as feature rows: the JSON shapes the feature pages and the API read.
/// Written once for a bundle's <c>features.json</c> and for the dashboards the worker computes for an upload.
/// </summary>
public static class FeatureRows
{
    /// <summary>Features saved per round trip: a 16,384-feature dictionary is 16 batches, and the change tracker stays small.</summary>
    private const int SaveBatch = 1024;

    public static Feature From(int dictionaryId, FeatureDashboard f, double[] edges) => new()
    {
        FeatureDictionaryId = dictionaryId,
        Index = f.Index,
        Explanation = f.Explanation,
        Density = f.Density,
        MaxActivation = f.MaxActivation,
        HistogramJson = JsonSerializer.Serialize(new { edges, counts = f.HistogramCounts, underflow = f.HistogramUnderflow, overflow = f.HistogramOverflow }),
        PositiveLogitsJson = JsonSerializer.Serialize(f.PositiveLogits.Select(l => new { token = l.Token, token_id = l.TokenId, value = l.Value })),
        NegativeLogitsJson = JsonSerializer.Serialize(f.NegativeLogits.Select(l => new { token = l.Token, token_id = l.TokenId, value = l.Value })),
        SimilarFeaturesJson = JsonSerializer.Serialize(f.SimilarFeatures.Select(s => new { index = s.Index, cosine = s.Cosine })),
        TopActivations = [.. f.TopContexts.Select((c, rank) => new FeatureActivation
        {
            Rank = rank, MaxValue = c.MaxActivation, MaxTokenIndex = c.MaxIndex, Tokens = c.Tokens, Values = c.Activations,
        })],
    };

    /// <summary>Replaces every feature of the dictionary with <paramref name="dashboards"/>' (inside the caller's transaction).</summary>
    public static async Task ReplaceAsync(ArchiveDbContext db, int dictionaryId, FeatureDashboardFile dashboards, CancellationToken ct)
    {
        await db.Features.Where(f => f.FeatureDictionaryId == dictionaryId).ExecuteDeleteAsync(ct);
        foreach (var batch in dashboards.Features.Chunk(SaveBatch))
        {
            var rows = batch.Select(f => From(dictionaryId, f, dashboards.HistogramEdges)).ToList();
            db.Features.AddRange(rows);
            await db.SaveChangesAsync(ct);
            // Detach only these rows: the caller's other tracked entities (a bundle's model and specimen) stay tracked.
            foreach (var row in rows)
            {
                foreach (var a in row.TopActivations) db.Entry(a).State = EntityState.Detached;
                db.Entry(row).State = EntityState.Detached;
            }
        }
    }

    /// <summary>
    /// Feature evidence computed with a dictionary's old weights is stale until re-run: claims name their dictionary by
    /// slug, so new weights under the same slug change what they measure.
    /// </summary>
    public static Task MarkEvidenceStaleAsync(ArchiveDbContext db, string dictionarySlug, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE evidence_runs SET stale = true FROM claims
            WHERE claims.id = evidence_runs.claim_id AND evidence_runs.status = 'Succeeded' AND claims.parameters->>'dictionary' = {dictionarySlug}
            """, ct);
}
