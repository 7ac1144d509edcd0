using Archive.Data;
using Archive.Data.Blobs;
using Archive.Engine;
using Archive.Engine.Models;
using Archive.Engine.Transformer;
using Archive.Engine.Vision;
using Microsoft.Extensions.Options;

namespace Archive.Worker.Evidence;

/// <summary>
/// Loaded models (transformers and CNNs) by sha256. The file comes from <see cref="BlobCache"/> (verified against its sha256 when it was copied
/// from the store), is validated like any untrusted safetensors file when loaded, and the model stays in memory for the
/// next runs.
/// </summary>
public sealed class ModelCache(BlobCache files, IOptions<EvidenceWorkerOptions> options, ILogger<ModelCache> logger) : IDisposable
{
    private readonly Dictionary<string, IDisposable> loaded = [];
    private readonly LinkedList<string> recent = [];
    private readonly SemaphoreSlim gate = new(1, 1);
    /// <summary>A model's gate exists only while a run holds or waits for it, so a long-lived worker keeps none for models it has dropped.</summary>
    private readonly KeyedTurns turns = new();

    /// <summary>Runs on one model take turns: a method installs hooks on the shared model for the length of its run.
    /// Dispose the result to pass the turn on.</summary>
    public Task<IDisposable> TakeTurnAsync(ContentHash sha256, CancellationToken ct) => turns.EnterAsync(sha256.Hex, ct);

    public Task<(HookedTransformer Model, string Path)> GetAsync(ContentHash sha256, CancellationToken ct) =>
        GetOrLoadAsync(sha256, path =>
        {
            using var file = ModelFile.Load(path);
            var model = HookedTransformer.FromStateDict(file.Config, file.StateDict, EngineDevice.Default);
            logger.LogInformation("Loaded model {Sha256} ({Layers} layers) on {Device}.", sha256.Hex[..12], file.Config.n_layers, EngineDevice.Name);
            return model;
        }, ct);

    /// <summary>A convolutional network (architecture <c>cnn</c>), validated by <see cref="ConvNetFile"/> when loaded.</summary>
    public Task<(ConvNet Model, string Path)> GetConvNetAsync(ContentHash sha256, CancellationToken ct) =>
        GetOrLoadAsync(sha256, path =>
        {
            var net = ConvNetFile.Load(path, EngineDevice.Default);
            logger.LogInformation("Loaded CNN {Sha256} ({Layers} named layers) on {Device}.", sha256.Hex[..12], net.Config.NamedLayers().Count, EngineDevice.Name);
            return net;
        }, ct);

    private async Task<(T Model, string Path)> GetOrLoadAsync<T>(ContentHash sha256, Func<string, T> load, CancellationToken ct) where T : class, IDisposable
    {
        await gate.WaitAsync(ct);
        try
        {
            var path = await files.GetAsync(sha256, ct);
            if (!loaded.TryGetValue(sha256.Hex, out var held))
            {
                held = load(path);
                loaded[sha256.Hex] = held;
            }
            var model = held as T ?? throw new InvalidDataException($"Model {sha256.Hex[..12]} is loaded as a {held.GetType().Name}, not a {typeof(T).Name}.");
            recent.Remove(sha256.Hex);
            recent.AddFirst(sha256.Hex);
            // Least recently used out, but never a model a run is using (its turn is taken).
            for (var node = recent.Last; node is not null && recent.Count > options.Value.ModelsInMemory;)
            {
                var previous = node.Previous;
                if (node.Value != sha256.Hex && !turns.IsBusy(node.Value))
                {
                    recent.Remove(node);
                    loaded.Remove(node.Value, out var old);
                    old?.Dispose();
                }
                node = previous;
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
