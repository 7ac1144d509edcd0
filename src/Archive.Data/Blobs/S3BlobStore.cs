using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Archive.Data.Blobs;

/// <summary>
/// Blobs as objects in an S3-compatible bucket, keyed <c>{KeyPrefix}ab/cd/&lt;sha256&gt;</c>. A file is staged and hashed
/// on local disk first (its key is its hash, unknown until the last byte), then sent in one PUT, or as a multipart
/// upload from the threshold up (aborted on failure, so no parts are left behind).
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly S3BlobOptions s3;
    private readonly AmazonS3Client client;
    private readonly string staging;
    private readonly TimeSpan stagingExpiry;
    private readonly KeyedTurns sameBlob = new();

    public S3BlobStore(IOptions<BlobStoreOptions> options)
    {
        s3 = options.Value.S3;
        staging = Path.GetFullPath(options.Value.StagingDirectory ?? Path.Combine(Path.GetTempPath(), "archive-blob-staging"));
        stagingExpiry = options.Value.StagingExpiry;
        var config = new AmazonS3Config
        {
            ForcePathStyle = s3.ForcePathStyle,
            // Checksums only where S3 requires them: the SDK's default (a streamed, trailing CRC) is not understood by
            // every S3-compatible server, and every blob is verified by its sha256 anyway.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrEmpty(s3.ServiceUrl))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(s3.Region);
        }
        else
        {
            config.ServiceURL = s3.ServiceUrl;
            config.AuthenticationRegion = s3.Region;
        }
        client = new AmazonS3Client(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), config);
    }

    public BlobBackend Backend => BlobBackend.S3;

    public async Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(staging);
        if (!s3.CreateBucket) return;
        try
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = s3.Bucket }, ct);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    public Task<StagedBlob> StageAsync(Stream content, BlobStageOptions? options, CancellationToken ct) =>
        StagedBlob.CreateAsync(staging, content, options, ct);

    public async Task<StoredBlob> CommitAsync(StagedBlob staged, CancellationToken ct)
    {
        try
        {
            // Commits of the same bytes in this process take turns, so the second finds the first's object and uploads
            // nothing. Across processes S3's PUT is atomic and a later one only replaces identical bytes; in-process the
            // turns also keep servers whose writes are not atomic (s3rver) from interleaving two uploads of one key.
            using var turn = await sameBlob.EnterAsync(staged.Hash.Hex, ct);
            if (await StatAsync(staged.Hash, ct) is not null) return new StoredBlob(staged.Hash, staged.Length, Created: false);
            if (staged.Length < s3.MultipartThresholdBytes)
            {
                await client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = s3.Bucket, Key = KeyOf(staged.Hash), FilePath = staged.Path, ContentType = "application/octet-stream",
                    DisablePayloadSigning = false, UseChunkEncoding = false,
                }, ct);
            }
            else
            {
                await MultipartUploadAsync(staged, ct);
            }
            return new StoredBlob(staged.Hash, staged.Length, Created: true);
        }
        finally
        {
            staged.Dispose();
        }
    }

    private async Task MultipartUploadAsync(StagedBlob staged, CancellationToken ct)
    {
        var key = KeyOf(staged.Hash);
        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = s3.Bucket, Key = key, ContentType = "application/octet-stream",
        }, ct);
        try
        {
            var parts = new List<PartETag>();
            for (long position = 0, number = 1; position < staged.Length; position += s3.PartSizeBytes, number++)
            {
                var size = Math.Min(s3.PartSizeBytes, staged.Length - position);
                var part = await client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = s3.Bucket, Key = key, UploadId = upload.UploadId, PartNumber = (int)number,
                    FilePath = staged.Path, FilePosition = position, PartSize = size, UseChunkEncoding = false,
                }, ct);
                parts.Add(new PartETag((int)number, part.ETag));
            }
            await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = s3.Bucket, Key = key, UploadId = upload.UploadId, PartETags = parts,
            }, ct);
        }
        catch
        {
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = s3.Bucket, Key = key, UploadId = upload.UploadId }, CancellationToken.None);
            throw;
        }
    }

    public async Task<BlobStat?> StatAsync(ContentHash hash, CancellationToken ct)
    {
        try
        {
            var meta = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = s3.Bucket, Key = KeyOf(hash) }, ct);
            return new BlobStat(hash, meta.ContentLength, meta.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.MinValue);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(ContentHash hash, ByteRange? range, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = s3.Bucket, Key = KeyOf(hash) };
        if (range is { } r) request.ByteRange = new Amazon.S3.Model.ByteRange(r.Offset, r.LastInclusive);
        GetObjectResponse response;
        try
        {
            response = await client.GetObjectAsync(request, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new BlobNotFoundException(hash);
        }
        if (range is not { } requested) return new RangeReadStream(response.ResponseStream, response.ContentLength, owner: response);

        // Some S3-compatible servers answer a range with more than was asked (s3rver serves "bytes=0-0" whole): start
        // where the answer starts and stop at the requested length, whatever the server sent.
        var servedFrom = ContentRangeStart(response.ContentRange) ?? 0;
        if (servedFrom > requested.Offset)
        {
            response.Dispose();
            throw new IOException($"The object store answered the range from byte {servedFrom}, after the requested {requested.Offset}.");
        }
        await SkipAsync(response.ResponseStream, requested.Offset - servedFrom, ct);
        return new RangeReadStream(response.ResponseStream, requested.Length, owner: response);
    }

    private static long? ContentRangeStart(string? contentRange)
    {
        // "bytes 100-199/1000"
        if (string.IsNullOrEmpty(contentRange) || !contentRange.StartsWith("bytes ", StringComparison.Ordinal)) return null;
        var dash = contentRange.IndexOf('-', 6);
        return dash > 6 && long.TryParse(contentRange.AsSpan(6, dash - 6), out var start) ? start : null;
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken ct)
    {
        if (count == 0) return;
        var buffer = new byte[64 * 1024];
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct);
            if (read == 0) throw new EndOfStreamException("The object store's answer ended before the requested range.");
            count -= read;
        }
    }

    public Task DeleteAsync(ContentHash hash, CancellationToken ct) =>
        client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = s3.Bucket, Key = KeyOf(hash) }, ct);

    public async IAsyncEnumerable<BlobStat> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = s3.KeyPrefix };
        while (true)
        {
            var page = await client.ListObjectsV2Async(request, ct);
            foreach (var o in page.S3Objects ?? [])
            {
                var name = o.Key[(o.Key.LastIndexOf('/') + 1)..];
                if (!ContentHash.TryParse(name, out var hash) || o.Key != KeyOf(hash)) continue;
                yield return new BlobStat(hash, o.Size ?? 0, o.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.MinValue);
            }
            if (page.IsTruncated != true) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<Uri?> GetDownloadUrlAsync(ContentHash hash, string fileName, string mediaType, CancellationToken ct)
    {
        if (!s3.PresignedDownloads) return null;
        var url = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = s3.Bucket,
            Key = KeyOf(hash),
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow + s3.PresignedUrlLifetime,
            Protocol = s3.ServiceUrl?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
            ResponseHeaderOverrides = new ResponseHeaderOverrides
            {
                ContentType = mediaType,
                ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = fileName }.ToString(),
            },
        });
        return new Uri(url);
    }

    public int RemoveExpiredStagingFiles() => StagedBlob.RemoveExpired(staging, stagingExpiry);

    public void Dispose() => client.Dispose();

    private string KeyOf(ContentHash hash) => s3.KeyPrefix + hash.RelativePath;
}
