using Archive.Data.Blobs;
using Archive.Formats.SaeLens;

namespace Archive.Data.Dictionaries;

/// <summary>
/// A dictionary row from its SAELens folder, written once for the operator's bundle import and for uploads: what
/// cfg.json says (hook, architecture, shape), the stored files, and how its dashboards' tokens are named.
/// </summary>
public static class DictionaryRows
{
    /// <summary>A new row, for <see cref="Describe"/> to fill.</summary>
    public static FeatureDictionary New(string slug, SaeLensConfig cfg, StoredBlob weights, DateTimeOffset now, int? submittedById) => new()
    {
        Slug = slug, Title = slug, HookName = cfg.hook_name!, Architecture = cfg.architecture, ConfigJson = cfg.ToJson(),
        Sha256 = weights.Hash.Hex, CreatedAt = now, SubmittedById = submittedById,
    };

    public static void Describe(FeatureDictionary dictionary, string title, string description, SaeLensConfig cfg, StoredBlob weights,
        StoredBlob? sparsity, string tokenSetDescription)
    {
        dictionary.Title = title;
        dictionary.Description = description;
        dictionary.HookName = cfg.hook_name!;
        dictionary.HookLayer = cfg.Layer ?? 0;
        dictionary.Architecture = cfg.architecture;
        dictionary.DIn = cfg.d_in;
        dictionary.DSae = cfg.d_sae;
        dictionary.K = cfg.k;
        dictionary.ConfigJson = cfg.ToJson();
        dictionary.Sha256 = weights.Hash.Hex;
        dictionary.SizeBytes = weights.Length;
        dictionary.SparsitySha256 = sparsity?.Hash.Hex;
        dictionary.TokenSetDescription = tokenSetDescription;
    }
}
