using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Archive.Data.Blobs;
using Archive.Tests.Shared;
using Microsoft.Extensions.Options;
using ByteRange = Archive.Data.Blobs.ByteRange;

namespace Archive.Data.Tests.Blobs;

/// <summary>The contract against a real S3-protocol server (s3rver, started by .ci/test), each test under its own key prefix.</summary>
public sealed class S3BlobStoreTests : BlobStoreContract
{
    private const string Bucket = "archive-tests";
    private readonly string prefix = $"t{Guid.NewGuid():N}/";
    private readonly string staging = Path.Combine(Path.GetTempPath(), "archive-s3-staging-" + Guid.NewGuid().ToString("N"));

    protected override string StagingDirectory => staging;

    private BlobStoreOptions Options(Action<S3BlobOptions>? change = null)
    {
        var s3 = new S3BlobOptions
        {
            ServiceUrl = S3TestServer.Url, Bucket = Bucket, AccessKey = S3TestServer.AccessKey, SecretKey = S3TestServer.SecretKey, KeyPrefix = prefix,
        };
        change?.Invoke(s3);
        return new BlobStoreOptions { Backend = BlobBackend.S3, StagingDirectory = staging, S3 = s3 };
    }

    protected override IBlobStore CreateStore() => new S3BlobStore(Microsoft.Extensions.Options.Options.Create(Options()));

    protected override async Task CorruptAsync(ContentHash hash, byte[] bytes)
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey),
            new AmazonS3Config { ServiceURL = S3TestServer.Url, ForcePathStyle = true, RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED });
        await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = prefix + hash.RelativePath, InputStream = new MemoryStream(bytes), UseChunkEncoding = false }, Ct);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
    }

    [Fact]
    public async Task A_large_file_goes_up_as_a_multipart_upload_and_reads_back_whole()
    {
        using var store = new S3BlobStore(Microsoft.Extensions.Options.Options.Create(Options(s3 =>
        {
            s3.MultipartThresholdBytes = 5 * 1024 * 1024;
            s3.PartSizeBytes = 5 * 1024 * 1024;
        })));
        var bytes = TestFiles.Random(12 * 1024 * 1024 + 3, seed: 30);

        var stored = await store.PutAsync(new MemoryStream(bytes), null, Ct);

        Assert.True(stored.Created);
        await store.VerifyAsync(stored.Hash, Ct);
        await using var tail = await store.OpenReadAsync(stored.Hash, new ByteRange(bytes.Length - 1000, 1000), Ct);
        var copy = new MemoryStream();
        await tail.CopyToAsync(copy, Ct);
        Assert.Equal(bytes[^1000..], copy.ToArray());
    }

    [Fact]
    public async Task Presigned_downloads_serve_the_bytes_from_the_store_with_the_file_name()
    {
        using var store = new S3BlobStore(Microsoft.Extensions.Options.Options.Create(Options(s3 => s3.PresignedDownloads = true)));
        var bytes = TestFiles.Random(10_000, seed: 31);
        var stored = await store.PutAsync(new MemoryStream(bytes), null, Ct);

        var url = await store.GetDownloadUrlAsync(stored.Hash, "model.safetensors", "application/octet-stream", Ct);

        Assert.NotNull(url);
        using var http = new HttpClient();
        using var response = await http.GetAsync(url, Ct);
        Assert.True(response.IsSuccessStatusCode, $"presigned GET answered {(int)response.StatusCode}");
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public void Options_without_bucket_or_credentials_are_refused_with_what_is_missing()
    {
        var result = new BlobStoreOptionsValidator().Validate(null, new BlobStoreOptions { Backend = BlobBackend.S3, S3 = new S3BlobOptions { PartSizeBytes = 1024 } });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Blobs:S3:Bucket"));
        Assert.Contains(result.Failures!, f => f.Contains("AccessKey"));
        Assert.Contains(result.Failures!, f => f.Contains("5 MiB"));
    }
}
