using System.Buffers;
using System.Security.Cryptography;

namespace Archive.Data.Blobs;

/// <summary>
/// A file hashed into a private staging file, not yet in the store. Disposing it removes the staging file unless a
/// commit has taken it, so <c>await using</c> guarantees that a failed upload leaves nothing behind.
/// </summary>
public sealed class StagedBlob : IDisposable, IAsyncDisposable
{
    private const int ChunkBytes = 1 << 20;

    private StagedBlob(string path, ContentHash hash, long length)
    {
        Path = path;
        Hash = hash;
        Length = length;
    }

    public string Path { get; }

    public ContentHash Hash { get; }

    public long Length { get; }

    /// <summary>Copies <paramref name="content"/> into a new file in <paramref name="stagingDirectory"/>, hashing, limiting and
    /// checking it chunk by chunk, and fsyncs it. Memory stays at one chunk whatever the file's size.</summary>
    public static async Task<StagedBlob> CreateAsync(string stagingDirectory, Stream content, BlobStageOptions? options, CancellationToken ct)
    {
        options ??= new BlobStageOptions();
        Directory.CreateDirectory(stagingDirectory);
        var path = System.IO.Path.Combine(stagingDirectory, $"{Guid.NewGuid():N}.partial");
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, ChunkBytes), ct)) > 0)
                {
                    length += read;
                    if (length > options.MaxBytes) throw new BlobTooLargeException(options.MaxBytes.Value);
                    options.Check?.Append(buffer.AsSpan(0, read));
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                options.Check?.Complete(length);
                // Durable before it can become a blob: a crash after the rename must not leave a short file under a hash.
                file.Flush(flushToDisk: true);
            }
            var hash = ContentHash.FromDigest(sha.GetHashAndReset());
            if (options.ExpectedHash is { } expected && expected != hash) throw new BlobIntegrityException(expected, hash, "The file being stored");
            return new StagedBlob(path, hash, length);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Staging files older than <paramref name="expiry"/> (by last write) belong to uploads that died.</summary>
    public static int RemoveExpired(string stagingDirectory, TimeSpan expiry)
    {
        if (!Directory.Exists(stagingDirectory)) return 0;
        var removed = 0;
        var cutoff = DateTime.UtcNow - expiry;
        foreach (var file in new DirectoryInfo(stagingDirectory).EnumerateFiles("*.partial"))
        {
            if (file.LastWriteTimeUtc >= cutoff) continue;
            file.Delete();
            removed++;
        }
        return removed;
    }

    public void Dispose() => File.Delete(Path); // a no-op once a commit has moved the file

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
