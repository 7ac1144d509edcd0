using Archive.Data.Blobs;
using Archive.Engine;
using Archive.Engine.Models;
using Archive.Engine.Transformer;
using Microsoft.Extensions.Options;

namespace Archive.Worker.Evidence;

/// <summary>
/// Loaded models by sha256. The file comes from <see cref="BlobCache"/> (verified against its sha256 when it was copied
/// from the store), is validated like any untrusted safetensors file when loaded, and the model stays in memory for the
/// next runs.
/// </summary>
public sealed class ModelCache(BlobCache files, IOptions<EvidenceWorkerOptions> options, ILogger<ModelCache> logger) : IDisposable
{
    private readonly Dictionary<string, HookedTransformer> loaded = [];
    private readonly LinkedList<string> recent = [];
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task<(HookedTransformer Model, string Path)> GetAsync(ContentHash sha256, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var path = await files.GetAsync(sha256, ct);
            if (!loaded.TryGetValue(sha256.Hex, out var model))
            {
                using var file = ModelFile.Load(path);
                model = HookedTransformer.FromStateDict(file.Config, file.StateDict, EngineDevice.Default);
                loaded[sha256.Hex] = model;
                logger.LogInformation("Loaded model {Sha256} ({Layers} layers) on {Device}.", sha256.Hex[..12], file.Config.n_layers, EngineDevice.Name);
            }
            recent.Remove(sha256.Hex);
            recent.AddFirst(sha256.Hex);
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

    public void Dispose()
    {
        foreach (var model in loaded.Values) model.Dispose();
        loaded.Clear();
        gate.Dispose();
    }
}
