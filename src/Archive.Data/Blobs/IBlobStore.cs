namespace Archive.Data.Blobs;

/// <summary>
/// Content-addressed file storage: a blob is named by the sha256 of its bytes, written once, never changed. Writing is
/// two steps so that a long upload holds nothing in the store while it streams: <see cref="StageAsync"/> hashes the bytes
/// into a private staging file (checking limits and content as they arrive), <see cref="CommitAsync"/> then makes the
/// staged file a blob, or drops it when the store already holds those bytes.
/// </summary>
public interface IBlobStore
{
    BlobBackend Backend { get; }

    /// <summary>Streams <paramref name="content"/> to a staging file while hashing it. On any failure (a limit, a content
    /// check, the client gone, a hash that differs from <see cref="BlobStageOptions.ExpectedHash"/>) the staging file is
    /// removed and the exception propagates.</summary>
    Task<StagedBlob> StageAsync(Stream content, BlobStageOptions? options, CancellationToken ct);

    /// <summary>Puts a staged file into the store under its hash; a second commit of the same bytes stores nothing.</summary>
    Task<StoredBlob> CommitAsync(StagedBlob staged, CancellationToken ct);

    /// <summary>The blob's length and time of writing, or null when the store does not hold it.</summary>
    Task<BlobStat?> StatAsync(ContentHash hash, CancellationToken ct);

    /// <summary>The blob's bytes, or the part <paramref name="range"/> names; throws <see cref="BlobNotFoundException"/>.</summary>
    Task<Stream> OpenReadAsync(ContentHash hash, ByteRange? range, CancellationToken ct);

    Task DeleteAsync(ContentHash hash, CancellationToken ct);

    /// <summary>Every blob the store holds (for <c>blobs gc</c> and <c>blobs verify</c>).</summary>
    IAsyncEnumerable<BlobStat> ListAsync(CancellationToken ct);

    /// <summary>A short-lived URL that serves the blob straight from the store, when the backend and options allow one.</summary>
    Task<Uri?> GetDownloadUrlAsync(ContentHash hash, string fileName, string mediaType, CancellationToken ct);

    /// <summary>Creates what the store needs (folders, the bucket). Idempotent.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>Removes staging files that no live upload has touched for <see cref="BlobStoreOptions.StagingExpiry"/>.</summary>
    int RemoveExpiredStagingFiles();
}

public sealed record StoredBlob(ContentHash Hash, long Length, bool Created);

public sealed record BlobStat(ContentHash Hash, long Length, DateTimeOffset LastModified);

/// <summary>Bytes [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>) of a blob.</summary>
public readonly record struct ByteRange(long Offset, long Length)
{
    public long LastInclusive => Offset + Length - 1;
}

/// <summary>Inspects a file while it is staged (say, a safetensors header as soon as it arrives); throws to refuse it.</summary>
public interface IBlobContentCheck
{
    void Append(ReadOnlySpan<byte> chunk);

    /// <summary>The whole file has arrived, <paramref name="length"/> bytes.</summary>
    void Complete(long length);
}

public sealed record BlobStageOptions
{
    /// <summary>Refuse the file once more than this many bytes have arrived.</summary>
    public long? MaxBytes { get; init; }

    public IBlobContentCheck? Check { get; init; }

    /// <summary>Refuse the file unless its bytes hash to this (moving a file whose hash is already recorded).</summary>
    public ContentHash? ExpectedHash { get; init; }
}

public class BlobNotFoundException(ContentHash hash) : IOException($"The blob store holds no blob {hash}.")
{
    public ContentHash Hash { get; } = hash;
}

/// <summary>Bytes that do not hash to the name they are stored or recorded under.</summary>
public class BlobIntegrityException(ContentHash expected, ContentHash actual, string where)
    : IOException($"{where}: the bytes hash to {actual}, not {expected}.")
{
    public ContentHash Expected { get; } = expected;

    public ContentHash Actual { get; } = actual;
}

public class BlobTooLargeException(long limit) : IOException($"The file is larger than the limit of {limit:N0} bytes.")
{
    public long Limit { get; } = limit;
}
