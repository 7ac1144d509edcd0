using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archive.Data.Blobs;

public static class BlobStoreExtensions
{
    /// <summary>The blob store chosen by <c>Blobs:Backend</c>, its options bound from the <c>Blobs</c> section and validated on start.</summary>
    public static IServiceCollection AddBlobStore(this IServiceCollection services)
    {
        services.AddOptions<BlobStoreOptions>().BindConfiguration(BlobStoreOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BlobStoreOptions>, BlobStoreOptionsValidator>();
        services.AddSingleton<IBlobStore>(sp => Create(sp.GetRequiredService<IOptions<BlobStoreOptions>>()));
        return services;
    }

    public static IBlobStore Create(IOptions<BlobStoreOptions> options) => options.Value.Backend switch
    {
        BlobBackend.FileSystem => new FileSystemBlobStore(options),
        BlobBackend.S3 => new S3BlobStore(options),
        var other => throw new InvalidOperationException($"Unknown blob backend {other}."),
    };

    /// <summary>Stage and commit in one step, for callers that write no rows (tests, the upgrade's own bookkeeping).</summary>
    public static async Task<StoredBlob> PutAsync(this IBlobStore store, Stream content, BlobStageOptions? options, CancellationToken ct)
    {
        await using var staged = await store.StageAsync(content, options, ct);
        return await store.CommitAsync(staged, ct);
    }

    /// <summary>Reads the whole blob back and throws <see cref="BlobIntegrityException"/> unless it hashes to its name.</summary>
    public static async Task VerifyAsync(this IBlobStore store, ContentHash hash, CancellationToken ct)
    {
        await using var stream = await store.OpenReadAsync(hash, null, ct);
        var actual = await HashAsync(stream, ct);
        if (actual != hash) throw new BlobIntegrityException(hash, actual, $"Blob {hash}");
    }

    public static async Task<ContentHash> HashAsync(Stream stream, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, read);
            return ContentHash.FromDigest(sha.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
