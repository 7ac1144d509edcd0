using Archive.Data.Blobs;
using Archive.Engine;
using Archive.Engine.Models;
using Archive.Engine.Transformer;
using Archive.Worker.Evidence;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Archive.Benchmarks.Blobs;

/// <summary>
/// The worker's load of a model through its blob cache against loading the same file directly (the baseline): warm, the
/// cache adds a lookup; cold, it adds the copy from the store with its sha256 check. The model is the Brown specimen's
/// (2 layers, d_model 128, 3.9 MB).
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class ModelLoadBenchmarks : IDisposable
{
    private string root = null!;
    private string modelPath = null!;
    private ContentHash hash;
    private BlobCache cache = null!;

    [GlobalSetup]
    public void Setup()
    {
        modelPath = Path.Combine(RepositoryRoot(), "src/Archive.Specimens/Bundles/brown-2l-induction-and-features/model.safetensors");
        root = Directory.CreateTempSubdirectory("archive-bench-blobs-").FullName;
        var store = new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Directory = Path.Combine(root, "store") }));
        using (var file = File.OpenRead(modelPath)) hash = store.PutAsync(file, null, CancellationToken.None).GetAwaiter().GetResult().Hash;
        cache = new BlobCache(store, Options.Create(new EvidenceWorkerOptions { CacheDirectory = Path.Combine(root, "cache") }), NullLogger<BlobCache>.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(root, recursive: true);

    public void Dispose() => cache?.Dispose();

    [Benchmark(Baseline = true)]
    public int LoadDirectly() => Load(modelPath);

    [Benchmark]
    public int LoadFromWarmCache() => Load(cache.GetAsync(hash, CancellationToken.None).GetAwaiter().GetResult());

    [Benchmark]
    public int LoadFromColdCache()
    {
        var cached = Path.Combine(root, "cache", hash.Hex);
        if (File.Exists(cached)) File.Delete(cached);
        return Load(cache.GetAsync(hash, CancellationToken.None).GetAwaiter().GetResult());
    }

    private static int Load(string path)
    {
        using var file = ModelFile.Load(path);
        using var model = HookedTransformer.FromStateDict(file.Config, file.StateDict, EngineDevice.Default);
        return file.Config.n_layers;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmarks from the repository.");
    }
}
