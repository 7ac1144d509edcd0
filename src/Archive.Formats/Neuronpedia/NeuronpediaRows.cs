using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Formats.Neuronpedia;

// The rows of Neuronpedia's export files, one record per table, with the columns export-data.py selects and the names
// and types of apps/webapp/prisma/schema.prisma (index and layer are strings there). Reading is lenient where real exports
// vary: arrays may come as null, optional columns may be missing.

/// <summary>A line of <c>features/batch-N.jsonl.gz</c>: table <c>Neuron</c>.</summary>
public sealed record NeuronpediaFeature
{
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }
    /// <summary>The source id, e.g. <c>6-res-jb</c>.</summary>
    [JsonPropertyName("layer")] public required string Layer { get; init; }
    [JsonPropertyName("index")] public required string Index { get; init; }
    [JsonPropertyName("maxActApprox")] public double? MaxActApprox { get; init; }
    [JsonPropertyName("creatorId")] public string? CreatorId { get; init; }
    /// <summary>Fraction of tokens on which the feature is active (its density).</summary>
    [JsonPropertyName("frac_nonzero")] public double FracNonzero { get; init; }
    /// <summary>Histogram of the feature's non-zero activations: bar heights (counts) at bar values (activations).</summary>
    [JsonPropertyName("freq_hist_data_bar_heights")] public double[]? FreqHistDataBarHeights { get; init; } = [];
    [JsonPropertyName("freq_hist_data_bar_values")] public double[]? FreqHistDataBarValues { get; init; } = [];
    [JsonPropertyName("logits_hist_data_bar_heights")] public double[]? LogitsHistDataBarHeights { get; init; } = [];
    [JsonPropertyName("logits_hist_data_bar_values")] public double[]? LogitsHistDataBarValues { get; init; } = [];
    [JsonPropertyName("neuron_alignment_indices")] public int[]? NeuronAlignmentIndices { get; init; } = [];
    [JsonPropertyName("neuron_alignment_l1")] public double[]? NeuronAlignmentL1 { get; init; } = [];
    [JsonPropertyName("neuron_alignment_values")] public double[]? NeuronAlignmentValues { get; init; } = [];
    [JsonPropertyName("correlated_neurons_indices")] public int[]? CorrelatedNeuronsIndices { get; init; } = [];
    [JsonPropertyName("correlated_neurons_l1")] public double[]? CorrelatedNeuronsL1 { get; init; } = [];
    [JsonPropertyName("correlated_neurons_pearson")] public double[]? CorrelatedNeuronsPearson { get; init; } = [];
    [JsonPropertyName("decoder_weights_dist")] public double[]? DecoderWeightsDist { get; init; } = [];
    /// <summary>The tokens the feature's decoder direction most suppresses (W_dec·W_U), with <see cref="NegValues"/>.</summary>
    [JsonPropertyName("neg_str")] public string[]? NegStr { get; init; } = [];
    [JsonPropertyName("neg_values")] public double[]? NegValues { get; init; } = [];
    [JsonPropertyName("pos_str")] public string[]? PosStr { get; init; } = [];
    [JsonPropertyName("pos_values")] public double[]? PosValues { get; init; } = [];
    [JsonPropertyName("sourceSetName")] public string? SourceSetName { get; init; }
    /// <summary>Nearest features by decoder cosine similarity, with <see cref="TopkCosSimValues"/>.</summary>
    [JsonPropertyName("topkCosSimIndices")] public int[]? TopkCosSimIndices { get; init; } = [];
    [JsonPropertyName("topkCosSimValues")] public double[]? TopkCosSimValues { get; init; } = [];
    [JsonPropertyName("vector")] public double[]? Vector { get; init; } = [];
    [JsonPropertyName("vectorLabel")] public string? VectorLabel { get; init; }
    [JsonPropertyName("hookName")] public string? HookName { get; init; }
    [JsonPropertyName("vectorDefaultSteerStrength")] public double? VectorDefaultSteerStrength { get; init; }
    [JsonPropertyName("hasVector")] public bool HasVector { get; init; }
}

/// <summary>A line of <c>activations/batch-N.jsonl.gz</c>: table <c>Activation</c>, one activating context of a feature.</summary>
public sealed record NeuronpediaActivation
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }
    [JsonPropertyName("layer")] public required string Layer { get; init; }
    [JsonPropertyName("index")] public required string Index { get; init; }
    [JsonPropertyName("creatorId")] public string? CreatorId { get; init; }
    [JsonPropertyName("dataSource")] public string? DataSource { get; init; }
    [JsonPropertyName("tokens")] public string[]? Tokens { get; init; } = [];
    [JsonPropertyName("maxValue")] public double MaxValue { get; init; }
    [JsonPropertyName("minValue")] public double MinValue { get; init; }
    /// <summary>The feature's activation on each of <see cref="Tokens"/>.</summary>
    [JsonPropertyName("values")] public double[]? Values { get; init; } = [];
    [JsonPropertyName("maxValueTokenIndex")] public int MaxValueTokenIndex { get; init; }
    [JsonPropertyName("dfaValues")] public double[]? DfaValues { get; init; } = [];
    [JsonPropertyName("dfaMaxValue")] public double? DfaMaxValue { get; init; }
    [JsonPropertyName("dfaTargetIndex")] public int? DfaTargetIndex { get; init; }
    [JsonPropertyName("binContains")] public double? BinContains { get; init; }
    [JsonPropertyName("binMin")] public double? BinMin { get; init; }
    [JsonPropertyName("binMax")] public double? BinMax { get; init; }
}

/// <summary>A line of <c>explanations/batch-N.jsonl.gz</c>: table <c>Explanation</c>.</summary>
public sealed record NeuronpediaExplanation
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }
    [JsonPropertyName("layer")] public required string Layer { get; init; }
    [JsonPropertyName("index")] public required string Index { get; init; }
    [JsonPropertyName("authorId")] public string? AuthorId { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    /// <summary>A pgvector in Neuronpedia's database; whatever the file holds is passed through unread.</summary>
    [JsonPropertyName("embedding")] public JsonElement? Embedding { get; init; }
    /// <summary>Names a row of Neuronpedia's ExplanationType table (a foreign key), or null.</summary>
    [JsonPropertyName("typeName")] public string? TypeName { get; init; }
    /// <summary>Names a row of Neuronpedia's ExplanationModelType table (a foreign key), or null.</summary>
    [JsonPropertyName("explanationModelName")] public string? ExplanationModelName { get; init; }
    [JsonPropertyName("umap_x")] public double? UmapX { get; init; }
    [JsonPropertyName("umap_y")] public double? UmapY { get; init; }
    [JsonPropertyName("umap_cluster")] public int? UmapCluster { get; init; }
    [JsonPropertyName("umap_log_feature_sparsity")] public double? UmapLogFeatureSparsity { get; init; }
}

// The four metadata files hold one row each, which Neuronpedia's importer hands to prisma.<table>.create as they are:
// so they carry only columns of those tables (Prisma refuses unknown fields), and no relation fields.

/// <summary><c>model.jsonl</c>: table <c>Model</c>.</summary>
public sealed record NeuronpediaModel
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("displayNameShort")] public required string DisplayNameShort { get; init; }
    [JsonPropertyName("displayName")] public required string DisplayName { get; init; }
    [JsonPropertyName("creatorId")] public required string CreatorId { get; init; }
    [JsonPropertyName("tlensId")] public string? TlensId { get; init; }
    [JsonPropertyName("dimension")] public int? Dimension { get; init; }
    [JsonPropertyName("visibility")] public required string Visibility { get; init; }
    [JsonPropertyName("inferenceEnabled")] public bool InferenceEnabled { get; init; }
    [JsonPropertyName("instruct")] public bool Instruct { get; init; }
    [JsonPropertyName("layers")] public int Layers { get; init; }
    [JsonPropertyName("neuronsPerLayer")] public int NeuronsPerLayer { get; init; }
    [JsonPropertyName("owner")] public required string Owner { get; init; }
    [JsonPropertyName("website")] public string? Website { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary><c>release.jsonl</c>: table <c>SourceRelease</c>.</summary>
public sealed record NeuronpediaRelease
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("visibility")] public required string Visibility { get; init; }
    [JsonPropertyName("isNewUi")] public bool IsNewUi { get; init; }
    [JsonPropertyName("featured")] public bool Featured { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    [JsonPropertyName("descriptionShort")] public string? DescriptionShort { get; init; }
    [JsonPropertyName("urls")] public string[] Urls { get; init; } = [];
    [JsonPropertyName("creatorEmail")] public string? CreatorEmail { get; init; }
    [JsonPropertyName("creatorName")] public required string CreatorName { get; init; }
    [JsonPropertyName("creatorNameShort")] public string? CreatorNameShort { get; init; }
    [JsonPropertyName("creatorId")] public required string CreatorId { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
}

/// <summary><c>sourceset.jsonl</c>: table <c>SourceSet</c> (a family of dictionaries, one per layer).</summary>
public sealed record NeuronpediaSourceSet
{
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("hasDashboards")] public bool HasDashboards { get; init; } = true;
    [JsonPropertyName("allowInferenceSearch")] public bool AllowInferenceSearch { get; init; }
    [JsonPropertyName("visibility")] public required string Visibility { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    [JsonPropertyName("type")] public string Type { get; init; } = "";
    [JsonPropertyName("creatorName")] public required string CreatorName { get; init; }
    [JsonPropertyName("urls")] public string[] Urls { get; init; } = [];
    [JsonPropertyName("creatorEmail")] public string? CreatorEmail { get; init; }
    [JsonPropertyName("creatorId")] public required string CreatorId { get; init; }
    [JsonPropertyName("releaseName")] public string? ReleaseName { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
}

/// <summary><c>source.jsonl</c>: table <c>Source</c> (one dictionary).</summary>
public sealed record NeuronpediaSource
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }
    [JsonPropertyName("hasDashboards")] public bool HasDashboards { get; init; } = true;
    [JsonPropertyName("inferenceEnabled")] public bool InferenceEnabled { get; init; }
    /// <summary>The SAELens cfg.json, as an object.</summary>
    [JsonPropertyName("saelensConfig")] public JsonElement? SaelensConfig { get; init; }
    [JsonPropertyName("saelensRelease")] public string? SaelensRelease { get; init; }
    [JsonPropertyName("saelensSaeId")] public string? SaelensSaeId { get; init; }
    [JsonPropertyName("hfRepoId")] public string? HfRepoId { get; init; }
    [JsonPropertyName("hfFolderId")] public string? HfFolderId { get; init; }
    [JsonPropertyName("visibility")] public required string Visibility { get; init; }
    [JsonPropertyName("setName")] public required string SetName { get; init; }
    [JsonPropertyName("creatorId")] public required string CreatorId { get; init; }
    [JsonPropertyName("hasUmap")] public bool HasUmap { get; init; }
    [JsonPropertyName("hasUmapLogSparsity")] public bool HasUmapLogSparsity { get; init; }
    [JsonPropertyName("hasUmapClusters")] public bool HasUmapClusters { get; init; }
    [JsonPropertyName("num_prompts")] public int? NumPrompts { get; init; }
    [JsonPropertyName("num_tokens_in_prompt")] public int? NumTokensInPrompt { get; init; }
    [JsonPropertyName("dataset")] public string? Dataset { get; init; }
    [JsonPropertyName("notes")] public string? Notes { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
}
