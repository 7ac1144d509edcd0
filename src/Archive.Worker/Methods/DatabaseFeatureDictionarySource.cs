using System.Collections.Concurrent;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Engine.Evidence;
using Archive.Engine.Saes;
using Archive.Worker.Evidence;
using Microsoft.EntityFrameworkCore;

namespace Archive.Worker.Methods;

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
