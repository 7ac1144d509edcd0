using System.Security.Cryptography;
using Archive.Data;
using Archive.Engine;
using Archive.Engine.Models;
using Archive.Engine.Transformer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Worker.Evidence;

/// <summary>
/// Loaded models by sha256. The weights come from PostgreSQL, are checked against the recorded sha256, written to a
/// cache file once, validated like any untrusted safetensors file, and kept in memory for the next runs.
/// </summary>
public sealed class ModelCache(IOptions<EvidenceWorkerOptions> options, ILogger<ModelCache> logger) : IDisposable
{
    private readonly Dictionary<string, HookedTransformer> loaded = [];
    private readonly LinkedList<string> recent = [];
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task<(HookedTransformer Model, string Path)> GetAsync(ArchiveDbContext db, int modelId, string sha256, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var path = await EnsureFileAsync(db, modelId, sha256, ct);
            if (!loaded.TryGetValue(sha256, out var model))
            {
                using var file = ModelFile.Load(path);
                model = HookedTransformer.FromStateDict(file.Config, file.StateDict, EngineDevice.Default);
                loaded[sha256] = model;
                logger.LogInformation("Loaded model {Sha256} ({Layers} layers) on {Device}.", sha256[..12], file.Config.n_layers, EngineDevice.Name);
            }
            recent.Remove(sha256);
            recent.AddFirst(sha256);
            while (recent.Count > options.Value.ModelsInMemory)
            {
                var evicted = recent.Last!.Value;
                recent.RemoveLast();
                loaded.Remove(evicted, out var old);
                old?.Dispose();
            }
            return (model, path);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The model file on local disk, written from the database once and verified by hash.</summary>
    public async Task<string> EnsureFileAsync(ArchiveDbContext db, int modelId, string sha256, CancellationToken ct)
    {
        var directory = options.Value.ModelCacheDirectory;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{sha256}.safetensors");
        if (File.Exists(path)) return path;
        var bytes = await db.ModelWeights.AsNoTracking().Where(w => w.ModelId == modelId).Select(w => w.Content).SingleOrDefaultAsync(ct)
            ?? throw new InvalidDataException($"Model {modelId} has no stored weights.");
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != sha256) throw new InvalidDataException($"Stored weights hash to {actual}, not the recorded {sha256}.");
        var temporary = path + ".partial";
        await File.WriteAllBytesAsync(temporary, bytes, ct);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    public void Dispose()
    {
        foreach (var model in loaded.Values) model.Dispose();
        loaded.Clear();
        gate.Dispose();
    }
}
