using System.Security.Cryptography;
using Archive.Engine.Saes;

namespace Archive.Engine.Evidence;

/// <summary>A dictionary's SAE, loaded and validated, with the sha256 of its sae_weights.safetensors.</summary>
public sealed record LoadedDictionary(string Slug, string Sha256, SparseAutoencoder Sae);

/// <summary>Where <c>sae_feature</c> gets a dictionary's weights: the archive's database, or a bundle folder while building.</summary>
public interface IFeatureDictionarySource
{
    /// <summary>The dictionary <paramref name="slug"/>, which must belong to the model whose file hashes to <paramref name="modelSha256"/>.</summary>
    LoadedDictionary Get(string slug, string modelSha256);
}

/// <summary>Dictionaries from SAELens folders on disk (a bundle being built), by slug.</summary>
public sealed class FolderFeatureDictionarySource(IReadOnlyDictionary<string, (string Folder, string ModelSha256)> folders) : IFeatureDictionarySource, IDisposable
{
    private readonly Dictionary<string, LoadedDictionary> loaded = [];

    public LoadedDictionary Get(string slug, string modelSha256)
    {
        if (!folders.TryGetValue(slug, out var entry)) throw new InvalidDataException($"No dictionary '{slug}'.");
        if (entry.ModelSha256 != modelSha256) throw new InvalidDataException($"Dictionary '{slug}' belongs to another model.");
        if (loaded.TryGetValue(slug, out var cached)) return cached;
        string sha;
        using (var weights = File.OpenRead(Path.Combine(entry.Folder, SaeLensFolder.WeightsFileName))) sha = Convert.ToHexStringLower(SHA256.HashData(weights));
        return loaded[slug] = new LoadedDictionary(slug, sha, SaeLensFolder.Load(entry.Folder).Sae);
    }

    public void Dispose()
    {
        foreach (var d in loaded.Values) d.Sae.Dispose();
    }
}
