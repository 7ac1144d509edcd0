using System.Globalization;
using System.Text.Json;
using Archive.Data;
using Archive.Formats.Neuronpedia;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Dictionaries;

/// <summary>What an import wrote.</summary>
public sealed record NeuronpediaImportResult(string Source, int Features, int Activations, int Explanations);

/// <summary>
/// <c>archive-specimens import-neuronpedia &lt;folder-or-zip&gt; --dictionary &lt;slug&gt;</c>: a Neuronpedia export (its own
/// exporter's, or the archive's <c>/api/v1/dictionaries/{slug}/neuronpedia.zip</c>) becomes the feature rows of an existing
/// dictionary: statistics, top contexts and explanations. The weights are not in a Neuronpedia export, so the dictionary
/// must exist first (imported from its SAELens folder); its rows are replaced, in one transaction.
/// Field by field: <c>frac_nonzero</c> → density, <c>maxActApprox</c> → max activation, the frequency histogram → log10
/// bins (<see cref="NeuronpediaHistogram"/>), <c>pos_/neg_str</c> and <c>_values</c> → logit effects (without token ids,
/// which Neuronpedia does not keep), <c>topkCosSim*</c> → similar features, activations → top contexts ranked by
/// <c>maxValue</c>, highest first (file order among equals), and the first explanation of a feature in file order → its
/// explanation. Files are read a line at a time and written a batch file at a time.
/// </summary>
public static class NeuronpediaImporter
{
    /// <summary>Activation rows are saved this many at a time.</summary>
    private const int ActivationSaveSize = 4096;

    public static async Task<NeuronpediaImportResult> ImportAsync(ArchiveDbContext db, string path, string dictionarySlug, TextWriter log, CancellationToken ct)
    {
        var dictionary = await db.FeatureDictionaries.AsNoTracking()
            .Where(d => d.Slug == dictionarySlug)
            .Select(d => new { d.Id, d.DSae, ModelSlug = d.Model.Slug })
            .SingleOrDefaultAsync(ct)
            ?? throw new InvalidDataException($"No feature dictionary '{dictionarySlug}'. Import its SAELens folder first: a Neuronpedia export holds no weights.");
        using var export = NeuronpediaExportReader.Open(path);
        if (export.FeatureBatches.Count == 0) throw new InvalidDataException($"{export.Description} has no feature batches.");

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Features.Where(f => f.FeatureDictionaryId == dictionary.Id).ExecuteDeleteAsync(ct);

        // Features first, so that activations and explanations (which may sit in other batch files) find their row.
        string? modelId = null, sourceId = null;
        var featureIds = new Dictionary<int, long>();
        var seen = new HashSet<int>();
        foreach (var file in export.FeatureBatches)
        {
            var added = new List<Feature>();
            foreach (var row in export.ReadBatch<NeuronpediaFeature>(file))
            {
                modelId ??= row.ModelId;
                sourceId ??= row.Layer;
                if (row.ModelId != modelId || row.Layer != sourceId)
                    throw new InvalidDataException($"{file}: feature {row.ModelId}/{row.Layer}/{row.Index} is not of source {modelId}/{sourceId}; an export holds one source.");
                var index = ParseIndex(row.Index, dictionary.DSae, file);
                if (!seen.Add(index)) throw new InvalidDataException($"{file}: feature {index} appears twice.");
                added.Add(ToFeature(dictionary.Id, index, row));
            }
            db.Features.AddRange(added);
            await db.SaveChangesAsync(ct);
            foreach (var feature in added) featureIds.Add(feature.Index, feature.Id);
            db.ChangeTracker.Clear();
        }
        if (modelId != dictionary.ModelSlug)
            log.WriteLine($"Note: the export is of Neuronpedia model '{modelId}'; dictionary '{dictionarySlug}' reads archive model '{dictionary.ModelSlug}'.");

        var activations = 0;
        var nextRank = new Dictionary<int, int>();
        foreach (var file in export.ActivationBatches)
        {
            var pending = new List<FeatureActivation>();
            // A feature's contexts are ranked within the file that holds them (Neuronpedia's exporter puts all of a
            // feature's activations in one file); the file is read once, grouped, and saved in slices.
            foreach (var group in export.ReadBatch<NeuronpediaActivation>(file).GroupBy(a => a.Index, StringComparer.Ordinal))
            {
                var index = ParseIndex(group.Key, dictionary.DSae, file);
                if (!featureIds.TryGetValue(index, out var featureId)) throw new InvalidDataException($"{file}: activations of feature {index}, which the export's features do not hold.");
                var rank = nextRank.GetValueOrDefault(index);
                foreach (var a in group.OrderByDescending(a => a.MaxValue))
                {
                    var tokens = a.Tokens ?? [];
                    var values = a.Values ?? [];
                    if (tokens.Length != values.Length || (tokens.Length > 0 && (a.MaxValueTokenIndex < 0 || a.MaxValueTokenIndex >= tokens.Length)))
                        throw new InvalidDataException($"{file}: activation {a.Id} of feature {index} has {tokens.Length} tokens, {values.Length} values and max token index {a.MaxValueTokenIndex}.");
                    pending.Add(new FeatureActivation
                    {
                        FeatureId = featureId, Rank = rank++, MaxValue = a.MaxValue, MaxTokenIndex = a.MaxValueTokenIndex, Tokens = [.. tokens], Values = [.. values],
                    });
                }
                nextRank[index] = rank;
                if (pending.Count >= ActivationSaveSize) activations += await SaveAsync(db, pending, ct);
            }
            activations += await SaveAsync(db, pending, ct);
        }

        var explanations = 0;
        var explained = new HashSet<int>();
        foreach (var file in export.ExplanationBatches)
        {
            var indices = new List<int>();
            var descriptions = new List<string>();
            foreach (var row in export.ReadBatch<NeuronpediaExplanation>(file))
            {
                var index = ParseIndex(row.Index, dictionary.DSae, file);
                if (!featureIds.ContainsKey(index) || !explained.Add(index)) continue;
                indices.Add(index);
                descriptions.Add(row.Description);
            }
            // One statement per file: unnest pairs the indices with their descriptions.
            explanations += await db.Database.ExecuteSqlAsync($"""
                UPDATE features SET explanation = e.description
                FROM unnest({indices.ToArray()}, {descriptions.ToArray()}) AS e("index", description)
                WHERE features.feature_dictionary_id = {dictionary.Id} AND features."index" = e."index"
                """, ct);
        }

        await transaction.CommitAsync(ct);
        return new NeuronpediaImportResult(export.Description, featureIds.Count, activations, explanations);
    }

    private static Feature ToFeature(int dictionaryId, int index, NeuronpediaFeature row)
    {
        var heights = row.FreqHistDataBarHeights ?? [];
        var edges = heights.Length > 0 ? NeuronpediaHistogram.Log10Edges(row.FreqHistDataBarValues ?? []) : null;
        return new Feature
        {
            FeatureDictionaryId = dictionaryId,
            Index = index,
            Density = row.FracNonzero,
            MaxActivation = row.MaxActApprox ?? 0,
            // The same JSON the bundle importer writes (DictionaryImporter), which the dashboards read.
            HistogramJson = edges is not null && edges.Length == heights.Length + 1
                ? JsonSerializer.Serialize(new { edges, counts = heights, underflow = 0, overflow = 0 })
                : "{}",
            PositiveLogitsJson = Logits(row.PosStr, row.PosValues),
            NegativeLogitsJson = Logits(row.NegStr, row.NegValues),
            SimilarFeaturesJson = JsonSerializer.Serialize((row.TopkCosSimIndices ?? []).Zip(row.TopkCosSimValues ?? []).Select(s => new { index = s.First, cosine = s.Second })),
        };
    }

    private static string Logits(string[]? tokens, double[]? values) =>
        JsonSerializer.Serialize((tokens ?? []).Zip(values ?? []).Select(l => new { token = l.First, value = l.Second }));

    private static int ParseIndex(string index, int dSae, string file) =>
        int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < dSae
            ? i
            : throw new InvalidDataException($"{file}: feature index '{index}' is not an integer in [0, {dSae}), the dictionary's d_sae.");

    private static async Task<int> SaveAsync(ArchiveDbContext db, List<FeatureActivation> pending, CancellationToken ct)
    {
        if (pending.Count == 0) return 0;
        db.FeatureActivations.AddRange(pending);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        var saved = pending.Count;
        pending.Clear();
        return saved;
    }
}
