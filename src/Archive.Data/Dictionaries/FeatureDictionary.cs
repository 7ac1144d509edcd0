using Archive.Data.Models;

namespace Archive.Data.Dictionaries;

/// <summary>
/// A sparse autoencoder over one hook point of one model, as SAELens writes it (cfg.json + sae_weights.safetensors),
/// with per-feature dashboards. URLs: <c>/dictionaries/{slug}/features/{index}</c>.
/// </summary>
public sealed class FeatureDictionary
{
    public int Id { get; set; }
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public int ModelId { get; set; }
    public Model Model { get; set; } = null!;
    /// <summary>TransformerLens hook name, e.g. <c>blocks.1.hook_resid_post</c>.</summary>
    public required string HookName { get; set; }
    public int HookLayer { get; set; }
    /// <summary>SAELens architecture: <c>standard</c>, <c>topk</c>, <c>jumprelu</c>.</summary>
    public required string Architecture { get; set; }
    public int DIn { get; set; }
    public int DSae { get; set; }
    public int? K { get; set; }
    /// <summary>SAELens cfg.json, verbatim.</summary>
    public required string ConfigJson { get; set; }
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    /// <summary>How the dashboard statistics' token set was made (corpus, tokenizer, hash, seed).</summary>
    public string TokenSetDescription { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public List<Feature> Features { get; set; } = [];
}

/// <summary>The bytes of the dictionary's sae_weights.safetensors, kept apart from the listing columns.</summary>
public sealed class FeatureDictionaryWeights
{
    public int FeatureDictionaryId { get; set; }
    public required byte[] Content { get; set; }
}
