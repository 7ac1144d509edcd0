using Archive.Data.Blobs;
using Archive.Worker.Evidence;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Archive.Worker.Tests;

/// <summary>The worker's local copies of model and dictionary files: verified on the way in, bounded in bytes, LRU out.</summary>
public sealed class BlobCacheTests(WorkerFixture worker) : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "archive-cache-tests-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BlobCache Cache(long budget) => new(worker.BlobStore,
        Options.Create(new EvidenceWorkerOptions { CacheDirectory = directory, CacheMaxBytes = budget }), NullLogger<BlobCache>.Instance);

    private async Task<(ContentHash Hash, byte[] Bytes)> StoreAsync(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return ((await worker.BlobStore.PutAsync(new MemoryStream(bytes), null, Ct)).Hash, bytes);
    }

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_blob_is_copied_once_and_then_served_from_local_disk()
    {
        using var cache = Cache(budget: 1 << 20);
        var (hash, bytes) = await StoreAsync(10_000, seed: 70);

        var path = await cache.GetAsync(hash, Ct);
        await worker.BlobStore.DeleteAsync(hash, Ct); // the second read must not need the store
        var again = await cache.GetAsync(hash, Ct);

        Assert.Equal(path, again);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path, Ct));
        Assert.Empty(Directory.GetFiles(Path.Combine(directory, "tmp")));
    }

    [Fact]
    public async Task A_corrupt_blob_in_the_store_is_refused_and_never_cached()
    {
        using var cache = Cache(budget: 1 << 20);
        var (hash, bytes) = await StoreAsync(10_000, seed: 71);
        var path = Path.Combine(worker.BlobDirectory, hash.RelativePath);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        bytes[5000] ^= 1;
        await File.WriteAllBytesAsync(path, bytes, Ct);

        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => cache.GetAsync(hash, Ct));

        Assert.Contains("corrupt", error.Message);
        Assert.False(File.Exists(Path.Combine(directory, hash.Hex)));
        Assert.Empty(Directory.GetFiles(Path.Combine(directory, "tmp")));
    }

    [Fact]
    public async Task Past_its_budget_the_cache_drops_the_least_recently_used_file()
    {
        using var cache = Cache(budget: 2_500);
        var a = await StoreAsync(1000, seed: 72);
        var b = await StoreAsync(1000, seed: 73);
        var c = await StoreAsync(1000, seed: 74);

        await cache.GetAsync(a.Hash, Ct);
        await cache.GetAsync(b.Hash, Ct);
        await cache.GetAsync(a.Hash, Ct); // a is now more recent than b
        await cache.GetAsync(c.Hash, Ct); // 3,000 bytes > 2,500: b goes

        Assert.Equal(new[] { a.Hash.Hex, c.Hash.Hex }.Order(), Directory.GetFiles(directory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_file_larger_than_the_budget_is_still_served_while_it_is_the_one_in_use()
    {
        using var cache = Cache(budget: 500);
        var big = await StoreAsync(1000, seed: 75);

        var path = await cache.GetAsync(big.Hash, Ct);

        Assert.Equal(big.Bytes, await File.ReadAllBytesAsync(path, Ct));
    }
}
