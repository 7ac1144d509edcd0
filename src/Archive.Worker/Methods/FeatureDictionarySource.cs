using System.Collections.Concurrent;
using System.Security.Cryptography;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Worker.Evidence;
using Archive.Engine.Saes;
using Microsoft.EntityFrameworkCore;

namespace Archive.Worker.Methods;

/// <summary>A dictionary's SAE, loaded and validated, with the sha256 of its sae_weights.safetensors.</summary>
public sealed record LoadedDictionary(string Slug, string Sha256, SparseAutoencoder Sae);

/// <summary>Where <c>sae_feature</c> gets a dictionary's weights: the archive's database, or a bundle folder while building.</summary>
public interface IFeatureDictionarySource
{
    /// <summary>The dictionary <paramref name="slug"/>, which must belong to the model whose file hashes to <paramref name="modelSha256"/>.</summary>
    LoadedDictionary Get(string slug, string modelSha256);
}

/// <summary>
/// Dictionaries of the archive: the row (from PostgreSQL) names the weights by sha256; <see cref="BlobCache"/> brings that
/// blob from the store to local disk, verified, and <see cref="SaeLensFolder"/> reads it beside the stored cfg.json,
/// validating it like any uploaded file. Loaded SAEs are kept by sha256.
/// </summary>
public sealed class DatabaseFeatureDictionarySource(IServiceScopeFactory scopes, BlobCache files) : IFeatureDictionarySource, IDisposable
{
    private readonly ConcurrentDictionary<string, LoadedDictionary> loaded = new();

    public LoadedDictionary Get(string slug, string modelSha256)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        var row = db.FeatureDictionaries.AsNoTracking().Where(d => d.Slug == slug)
            .Select(d => new { d.Sha256, d.ConfigJson, ModelSha256 = d.Model.Sha256 }).SingleOrDefault()
            ?? throw new InvalidDataException($"No dictionary '{slug}'.");
        if (row.ModelSha256 != modelSha256) throw new InvalidDataException($"Dictionary '{slug}' belongs to another model (sha256 {row.ModelSha256[..12]}…).");
        if (loaded.TryGetValue(row.Sha256, out var cached)) return cached;

        // Methods run synchronously on a pool thread (see EvidenceRunner), so waiting here blocks no host thread.
        var weights = files.GetAsync(ContentHash.Parse(row.Sha256), CancellationToken.None).GetAwaiter().GetResult();
        var folder = Directory.CreateTempSubdirectory("archive-sae-");
        try
        {
            File.CreateSymbolicLink(Path.Combine(folder.FullName, SaeLensFolder.WeightsFileName), weights);
            File.WriteAllText(Path.Combine(folder.FullName, SaeLensFolder.ConfigFileName), row.ConfigJson);
            var sae = SaeLensFolder.Load(folder.FullName).Sae;
            return loaded.GetOrAdd(row.Sha256, _ => new LoadedDictionary(slug, row.Sha256, sae));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public void Dispose()
    {
        foreach (var d in loaded.Values) d.Sae.Dispose();
        loaded.Clear();
    }
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
