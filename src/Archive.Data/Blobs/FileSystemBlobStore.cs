using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Archive.Data.Blobs;

/// <summary>
/// Blobs as files: <c>{Directory}/ab/cd/&lt;sha256&gt;</c>, staged in <c>{Directory}/tmp/</c> on the same filesystem so the
/// staged file can be hard-linked into place atomically. A blob is made read-only and never replaced: the link fails
/// when another writer got there first, and that writer's bytes are the same bytes.
/// </summary>
public sealed partial class FileSystemBlobStore : IBlobStore
{
    private readonly string root;
    private readonly string staging;
    private readonly TimeSpan stagingExpiry;

    public FileSystemBlobStore(IOptions<BlobStoreOptions> options)
    {
        root = Path.GetFullPath(options.Value.Directory!);
        staging = Path.Combine(root, "tmp");
        stagingExpiry = options.Value.StagingExpiry;
    }

    public BlobBackend Backend => BlobBackend.FileSystem;

    public Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(staging);
        return Task.CompletedTask;
    }

    public Task<StagedBlob> StageAsync(Stream content, BlobStageOptions? options, CancellationToken ct) =>
        StagedBlob.CreateAsync(staging, content, options, ct);

    public Task<StoredBlob> CommitAsync(StagedBlob staged, CancellationToken ct)
    {
        var target = PathOf(staged.Hash);
        if (File.Exists(target))
        {
            staged.Dispose();
            return Task.FromResult(new StoredBlob(staged.Hash, staged.Length, Created: false));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // link(2) fails with EEXIST when the name is taken, atomically: of concurrent writers of the same bytes exactly one
        // creates the blob and nothing is ever replaced (File.Move without overwrite checks, then renames, which can race).
        var created = Link(staged.Path, target);
        staged.Dispose();
        if (created && !OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return Task.FromResult(new StoredBlob(staged.Hash, staged.Length, created));
    }

    private const int EEXIST = 17;

    private static bool Link(string existing, string name)
    {
        if (link(existing, name) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EEXIST) return false;
        throw new IOException($"Could not store the blob at {name} (errno {errno}).");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);

    public Task<BlobStat?> StatAsync(ContentHash hash, CancellationToken ct)
    {
        var info = new FileInfo(PathOf(hash));
        return Task.FromResult(info.Exists ? new BlobStat(hash, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<Stream> OpenReadAsync(ContentHash hash, ByteRange? range, CancellationToken ct)
    {
        FileStream file;
        try
        {
            file = new FileStream(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new BlobNotFoundException(hash);
        }
        catch (DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(hash);
        }
        if (range is not { } r) return Task.FromResult<Stream>(file);
        file.Position = r.Offset;
        return Task.FromResult<Stream>(new RangeReadStream(file, r.Length));
    }

    public Task DeleteAsync(ContentHash hash, CancellationToken ct)
    {
        File.Delete(PathOf(hash));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobStat> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (!Directory.Exists(root)) yield break;
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 }))
        {
            ct.ThrowIfCancellationRequested();
            if (!ContentHash.TryParse(file.Name, out var hash) || file.FullName != PathOf(hash)) continue;
            yield return new BlobStat(hash, file.Length, file.LastWriteTimeUtc);
        }
        await Task.CompletedTask;
    }

    public Task<Uri?> GetDownloadUrlAsync(ContentHash hash, string fileName, string mediaType, CancellationToken ct) => Task.FromResult<Uri?>(null);

    public int RemoveExpiredStagingFiles() => StagedBlob.RemoveExpired(staging, stagingExpiry);

    private string PathOf(ContentHash hash) => Path.Combine(root, hash.RelativePath);
}
