using Archive.Data.Blobs;
using Microsoft.Extensions.Options;

namespace Archive.Data.Tests.Blobs;

public sealed class FileSystemBlobStoreTests : BlobStoreContract
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "archive-blob-tests-" + Guid.NewGuid().ToString("N"));

    protected override string StagingDirectory => Path.Combine(root, "tmp");

    protected override IBlobStore CreateStore() =>
        new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Backend = BlobBackend.FileSystem, Directory = root }));

    protected override async Task CorruptAsync(ContentHash hash, byte[] bytes)
    {
        var path = Path.Combine(root, hash.RelativePath);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(path, bytes, Ct);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Blobs_live_at_ab_cd_sha256_read_only_and_concurrent_writers_create_one()
    {
        var bytes = TestFiles.Random(1 << 20, seed: 20);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Store.PutAsync(new MemoryStream(bytes), null, Ct))));

        Assert.Single(results, r => r.Created);
        var path = Path.Combine(root, results[0].Hash.Hex[..2], results[0].Hash.Hex[2..4], results[0].Hash.Hex);
        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Staging_files_idle_past_the_expiry_are_removed_and_fresh_ones_kept()
    {
        Directory.CreateDirectory(StagingDirectory);
        var dead = Path.Combine(StagingDirectory, "dead.partial");
        var live = Path.Combine(StagingDirectory, "live.partial");
        await File.WriteAllBytesAsync(dead, [1], Ct);
        await File.WriteAllBytesAsync(live, [2], Ct);
        File.SetLastWriteTimeUtc(dead, DateTime.UtcNow - TimeSpan.FromDays(1));

        Assert.Equal(1, Store.RemoveExpiredStagingFiles());

        Assert.Equal([live], StagingFiles());
    }
}
