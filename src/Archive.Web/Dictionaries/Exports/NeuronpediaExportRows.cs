using System.Globalization;
using System.Text.Json;
using Archive.Formats.Neuronpedia;

namespace Archive.Web.Dictionaries.Exports;

/// <summary>
/// A dictionary's rows in Neuronpedia's terms. Names: <c>modelId</c> is the archive's model slug; the source set is the
/// dictionary's slug; the source (Neuronpedia's <c>layer</c>) is <c>{hook layer}-{dictionary slug}</c>, e.g.
/// <c>1-attn-2l-resid1-topk</c>, which Neuronpedia's <c>getLayerNumFromSource</c> reads back as layer 1 of source set
/// <c>attn-2l-resid1-topk</c>; the release is <c>specimen-archive-{dictionary slug}</c>. Row ids are made from the feature's
/// key (<c>{modelId}-{sourceId}-{index}</c>, plus the context's rank for activations), so an export of the same rows
/// writes the same ids and Neuronpedia's <c>ON CONFLICT DO NOTHING</c> import is idempotent.
/// What Neuronpedia has no column for is left out: histogram underflow and overflow counts, and logit token ids
/// (Neuronpedia keeps token strings only). Neuronpedia's columns the archive does not compute (logit histogram, neuron
/// alignment, correlations, steering vector, UMAP) are written empty or null.
/// </summary>
public sealed class NeuronpediaExportRows(DictionaryExportSource dictionary)
{
    /// <summary>
    /// The user every row names as creator or author. Neuronpedia's own exporter writes its instance's DEFAULT_CREATOR_ID
    /// here; an importing instance needs a User with this id (its foreign keys require one) or rewrites the column.
    /// </summary>
    public const string CreatorId = "specimen-archive";

    private const string CreatorName = "Specimen Archive";
    private const string Visibility = "PUBLIC";

    public string ModelId { get; } = dictionary.ModelSlug;
    public string SourceSetName { get; } = dictionary.Slug;
    public string SourceId { get; } = NeuronpediaLayout.SourceId(dictionary.HookLayer, dictionary.Slug);
    public string ReleaseName { get; } = $"specimen-archive-{dictionary.Slug}";

    /// <summary>Where the source's files sit in the zip: <c>{modelId}/{sourceId}/</c>.</summary>
    public string Root => $"{ModelId}/{SourceId}/";

    public NeuronpediaFeature Feature(FeatureRecord f) => new()
    {
        ModelId = ModelId,
        Layer = SourceId,
        Index = Index(f.Index),
        MaxActApprox = f.MaxActivation,
        CreatorId = CreatorId,
        FracNonzero = f.Density,
        FreqHistDataBarHeights = f.Histogram?.Counts ?? [],
        FreqHistDataBarValues = f.Histogram is { } h ? NeuronpediaHistogram.BarValues(h.Edges) : [],
        PosStr = [.. f.PositiveLogits.Select(l => l.Token)],
        PosValues = [.. f.PositiveLogits.Select(l => l.Value)],
        NegStr = [.. f.NegativeLogits.Select(l => l.Token)],
        NegValues = [.. f.NegativeLogits.Select(l => l.Value)],
        SourceSetName = SourceSetName,
        TopkCosSimIndices = [.. f.SimilarFeatures.Select(s => s.Index)],
        TopkCosSimValues = [.. f.SimilarFeatures.Select(s => s.Cosine)],
        VectorLabel = null,
        HookName = dictionary.HookName,
        VectorDefaultSteerStrength = null,
        HasVector = false,
    };

    public NeuronpediaActivation Activation(FeatureRecord f, ActivationContext c) => new()
    {
        Id = $"{ModelId}-{SourceId}-{Index(f.Index)}-{c.Rank.ToString(CultureInfo.InvariantCulture)}",
        ModelId = ModelId,
        Layer = SourceId,
        Index = Index(f.Index),
        CreatorId = CreatorId,
        DataSource = string.IsNullOrEmpty(dictionary.TokenSetDescription) ? null : dictionary.TokenSetDescription,
        Tokens = [.. c.Tokens],
        MaxValue = c.MaxValue,
        MinValue = c.Values.Count == 0 ? 0 : c.Values.Min(),
        Values = [.. c.Values],
        MaxValueTokenIndex = c.MaxTokenIndex,
    };

    public NeuronpediaExplanation Explanation(FeatureRecord f) => new()
    {
        Id = $"{ModelId}-{SourceId}-{Index(f.Index)}",
        ModelId = ModelId,
        Layer = SourceId,
        Index = Index(f.Index),
        AuthorId = CreatorId,
        Description = f.Explanation,
        // Both name rows of Neuronpedia's config tables (foreign keys); the archive's explanations are not of its types.
        TypeName = null,
        ExplanationModelName = null,
    };

    public NeuronpediaModel Model() => new()
    {
        Id = ModelId,
        DisplayNameShort = dictionary.ModelSlug,
        DisplayName = dictionary.ModelName,
        CreatorId = CreatorId,
        // tlensId names a TransformerLens pretrained model; the archive's models are its own.
        TlensId = null,
        Dimension = dictionary.ModelDModel,
        Visibility = Visibility,
        Layers = dictionary.ModelLayers,
        NeuronsPerLayer = MlpWidth(dictionary.ModelConfigJson),
        Owner = CreatorName,
        CreatedAt = dictionary.ModelCreatedAt,
        UpdatedAt = dictionary.ModelCreatedAt,
    };

    public NeuronpediaRelease Release() => new()
    {
        Name = ReleaseName,
        Visibility = Visibility,
        Description = dictionary.Title,
        CreatorName = CreatorName,
        CreatorId = CreatorId,
        CreatedAt = dictionary.CreatedAt,
    };

    public NeuronpediaSourceSet SourceSet() => new()
    {
        ModelId = ModelId,
        Name = SourceSetName,
        Visibility = Visibility,
        Description = dictionary.Title,
        CreatorName = CreatorName,
        CreatorId = CreatorId,
        ReleaseName = ReleaseName,
        CreatedAt = dictionary.CreatedAt,
    };

    public NeuronpediaSource Source() => new()
    {
        Id = SourceId,
        ModelId = ModelId,
        SaelensConfig = ParseObject(dictionary.ConfigJson),
        Visibility = Visibility,
        SetName = SourceSetName,
        CreatorId = CreatorId,
        Dataset = string.IsNullOrEmpty(dictionary.TokenSetDescription) ? null : dictionary.TokenSetDescription,
        Notes = string.IsNullOrEmpty(dictionary.Description) ? null : dictionary.Description,
        CreatedAt = dictionary.CreatedAt,
    };

    private static string Index(int index) => index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Neuronpedia's neuronsPerLayer is the MLP width: TransformerLens's d_mlp, 0 for attention-only models.</summary>
    private static int MlpWidth(string configJson) =>
        ParseObject(configJson) is { } config && config.TryGetProperty("d_mlp", out var d) && d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var width) && width > 0
            ? width
            : 0;

    private static JsonElement? ParseObject(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
