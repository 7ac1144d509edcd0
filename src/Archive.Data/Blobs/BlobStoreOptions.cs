using Microsoft.Extensions.Options;

namespace Archive.Data.Blobs;

public enum BlobBackend
{
    /// <summary>Files under <see cref="BlobStoreOptions.Directory"/>: the default, needs nothing installed.</summary>
    FileSystem,
    /// <summary>An S3-compatible object store (MinIO, AWS S3, R2, …): production.</summary>
    S3,
}

/// <summary>Where file bytes live (model weights, SAE weights, uploads). Bound from the <c>Blobs</c> section.</summary>
public sealed class BlobStoreOptions
{
    public const string SectionName = "Blobs";

    public BlobBackend Backend { get; set; } = BlobBackend.FileSystem;

    /// <summary>The filesystem backend's root (blobs live under <c>ab/cd/&lt;sha256&gt;</c>, uploads stage in <c>tmp/</c>).</summary>
    public string? Directory { get; set; }

    /// <summary>Where the S3 backend stages a file while hashing it, before it knows its key. Default: the system temp folder.</summary>
    public string? StagingDirectory { get; set; }

    /// <summary>A staged file untouched this long belongs to a dead upload; <c>blobs gc</c> removes it.</summary>
    public TimeSpan StagingExpiry { get; set; } = TimeSpan.FromHours(6);

    public S3BlobOptions S3 { get; set; } = new();
}

public sealed class S3BlobOptions
{
    /// <summary>The endpoint, e.g. <c>http://minio:9000</c>; empty means AWS itself (then <see cref="Region"/> picks it).</summary>
    public string? ServiceUrl { get; set; }

    public string Bucket { get; set; } = "";

    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (<c>host/bucket/key</c>), which MinIO and most self-hosted servers need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Keys are <c>{KeyPrefix}ab/cd/&lt;sha256&gt;</c>, so one bucket can hold other things too.</summary>
    public string KeyPrefix { get; set; } = "blobs/";

    /// <summary>Files from this size up are sent as a multipart upload, in parts of <see cref="PartSizeBytes"/>.</summary>
    public long MultipartThresholdBytes { get; set; } = 64L * 1024 * 1024;

    public long PartSizeBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Downloads answer with a redirect to a presigned URL, so the bytes flow from the store, not through the site.</summary>
    public bool PresignedDownloads { get; set; }

    public TimeSpan PresignedUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Creates the bucket when it is missing (the run-once migration job does this).</summary>
    public bool CreateBucket { get; set; } = true;
}

/// <summary>Checked when the options are first read, so a misconfigured store stops the process at start with a clear message.</summary>
public sealed class BlobStoreOptionsValidator : IValidateOptions<BlobStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobStoreOptions options)
    {
        var failures = new List<string>();
        switch (options.Backend)
        {
            case BlobBackend.FileSystem:
                if (string.IsNullOrWhiteSpace(options.Directory))
                    failures.Add("Blobs:Directory is not set: the filesystem blob store needs a folder (.ci/start uses .data/blobs).");
                break;
            case BlobBackend.S3:
                var s3 = options.S3;
                if (string.IsNullOrWhiteSpace(s3.Bucket)) failures.Add("Blobs:S3:Bucket is not set.");
                if (string.IsNullOrWhiteSpace(s3.AccessKey) || string.IsNullOrWhiteSpace(s3.SecretKey))
                    failures.Add("Blobs:S3:AccessKey and Blobs:S3:SecretKey must both be set.");
                if (!string.IsNullOrEmpty(s3.ServiceUrl) && !Uri.TryCreate(s3.ServiceUrl, UriKind.Absolute, out _))
                    failures.Add($"Blobs:S3:ServiceUrl '{s3.ServiceUrl}' is not an absolute URL.");
                // S3 refuses parts under 5 MiB (except the last) and uploads of more than 10,000 parts.
                if (s3.PartSizeBytes < 5L * 1024 * 1024) failures.Add("Blobs:S3:PartSizeBytes must be at least 5 MiB (S3's smallest part).");
                if (s3.MultipartThresholdBytes < s3.PartSizeBytes) failures.Add("Blobs:S3:MultipartThresholdBytes must be at least PartSizeBytes.");
                if (s3.PresignedUrlLifetime <= TimeSpan.Zero || s3.PresignedUrlLifetime > TimeSpan.FromDays(7))
                    failures.Add("Blobs:S3:PresignedUrlLifetime must be between 0 and 7 days.");
                break;
            default:
                failures.Add($"Blobs:Backend '{options.Backend}' is not one of FileSystem, S3.");
                break;
        }
        if (options.StagingExpiry <= TimeSpan.Zero) failures.Add("Blobs:StagingExpiry must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
