using Archive.Data.Accounts;
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
    /// <summary>sha256 of sae_weights.safetensors: its name in the blob store.</summary>
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    /// <summary>sha256 of SAELens's sparsity.safetensors (log10 feature densities) when the folder had one.</summary>
    public string? SparsitySha256 { get; set; }
    /// <summary>How the dashboard statistics' token set was made (corpus, tokenizer, hash, seed).</summary>
    public string TokenSetDescription { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Who uploaded it; null for the archive's own (bundles and the operator's CLI). Only they may replace it.</summary>
    public int? SubmittedById { get; set; }
    public User? SubmittedBy { get; set; }
    /// <summary>
    /// Moves whenever any of the dictionary's feature rows is inserted, updated or deleted, whoever writes them (the
    /// bundle and Neuronpedia importers, the worker's dashboards, SQL by hand): PostgreSQL triggers on <c>features</c>
    /// bump it once per statement. A feature's API response is kept in memory against it.
    /// </summary>
    public long FeaturesVersion { get; set; }
    /// <summary>The worker's dashboard computation, for an uploaded dictionary; null when the dashboards came with it.</summary>
    public DashboardJob? DashboardJob { get; set; }
    public List<Feature> Features { get; set; } = [];
}
