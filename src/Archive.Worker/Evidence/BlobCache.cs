using Archive.Data.Blobs;
using Microsoft.Extensions.Options;

namespace Archive.Worker.Evidence;

/// <summary>
/// The worker's local copies of blobs (model files, SAE weights), named by sha256 in
/// <see cref="EvidenceWorkerOptions.CacheDirectory"/>. A missing file streams from the blob store into a staging file,
/// is hashed on the way and renamed into place only when it matches its name, so a file in the cache is always whole and
/// verified; loading it later needs no second hash. The folder is kept under <see cref="EvidenceWorkerOptions.CacheMaxBytes"/>
/// by removing the least recently used files (a hit marks the file used).
/// </summary>
public sealed class BlobCache(IBlobStore store, IOptions<EvidenceWorkerOptions> options, ILogger<BlobCache> logger) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    private string Directory => options.Value.CacheDirectory;

    public async Task<string> GetAsync(ContentHash hash, CancellationToken ct)
    {
        var path = Path.Combine(Directory, hash.Hex);
        if (TryTouch(path)) return path;
        await gate.WaitAsync(ct);
        try
        {
            if (TryTouch(path)) return path;
            System.IO.Directory.CreateDirectory(Directory);
            await using (var source = await store.OpenReadAsync(hash, null, ct))
            {
                StagedBlob staged;
                try
                {
                    staged = await StagedBlob.CreateAsync(Path.Combine(Directory, "tmp"), source, new BlobStageOptions { ExpectedHash = hash }, ct);
                }
                catch (BlobIntegrityException e)
                {
                    throw new BlobIntegrityException(hash, e.Actual, $"Blob {hash} in the {store.Backend} store is corrupt");
                }
                await using (staged) File.Move(staged.Path, path, overwrite: true);
            }
            logger.LogInformation("Cached blob {Sha256} from the {Backend} store ({Bytes:N0} bytes).", hash.Hex[..12], store.Backend, new FileInfo(path).Length);
            Evict(keep: path);
            return path;
        }
        finally
        {
            gate.Release();
        }
    }

    private static bool TryTouch(string path)
    {
        try
        {
            File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Removes least recently used files until the cache fits its budget; never <paramref name="keep"/>, which is in use.</summary>
    private void Evict(string keep)
    {
        var files = new DirectoryInfo(Directory).EnumerateFiles().Where(f => ContentHash.TryParse(f.Name, out _)).OrderBy(f => f.LastAccessTimeUtc).ToList();
        var total = files.Sum(f => f.Length);
        foreach (var file in files)
        {
            if (total <= options.Value.CacheMaxBytes) break;
            if (file.FullName == Path.GetFullPath(keep)) continue;
            var length = file.Length;
            file.Delete();
            total -= length;
            logger.LogInformation("Evicted blob {Sha256} from the local cache ({Bytes:N0} bytes).", file.Name[..12], length);
        }
        if (total > options.Value.CacheMaxBytes)
            logger.LogWarning("The local blob cache holds {Bytes:N0} bytes, over its budget of {Budget:N0}: the file in use alone is larger.", total, options.Value.CacheMaxBytes);
    }

    public void Dispose() => gate.Dispose();
}
