using System.Security.Cryptography;
using Archive.Data.Blobs;

namespace Archive.Data.Tests.Blobs;

/// <summary>
/// What every blob-store backend must do, run against each real backend: the filesystem and an S3-protocol server.
/// </summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    protected IBlobStore Store { get; private set; } = null!;

    /// <summary>Where this backend stages files, to check that failures leave none behind.</summary>
    protected abstract string StagingDirectory { get; }

    protected abstract IBlobStore CreateStore();

    /// <summary>Replaces the stored bytes of a blob behind the store's back (a disk error, a tampered object).</summary>
    protected abstract Task CorruptAsync(ContentHash hash, byte[] bytes);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask InitializeAsync()
    {
        Store = CreateStore();
        await Store.InitializeAsync(Ct);
    }

    public virtual ValueTask DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_blob_reads_back_whole_and_in_ranges_under_the_sha256_of_its_bytes()
    {
        var bytes = TestFiles.Random(3 * 1024 * 1024 + 17, seed: 1);

        var stored = await Store.PutAsync(new MemoryStream(bytes), null, Ct);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Hash.Hex);
        Assert.True(stored.Created);
        Assert.Equal(bytes.Length, stored.Length);
        Assert.Equal(bytes.Length, (await Store.StatAsync(stored.Hash, Ct))!.Length);
        Assert.Equal(bytes, await ReadAsync(stored.Hash, null));
        Assert.Equal(bytes[1000..1010], await ReadAsync(stored.Hash, new ByteRange(1000, 10)));
        Assert.Equal(bytes[^5..], await ReadAsync(stored.Hash, new ByteRange(bytes.Length - 5, 5)));
        Assert.Equal(bytes[..1], await ReadAsync(stored.Hash, new ByteRange(0, 1)));
    }

    [Fact]
    public async Task An_empty_file_is_a_blob_too()
    {
        var stored = await Store.PutAsync(new MemoryStream(), null, Ct);

        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", stored.Hash.Hex);
        Assert.Empty(await ReadAsync(stored.Hash, null));
    }

    [Fact]
    public async Task A_second_write_of_the_same_bytes_stores_nothing()
    {
        var bytes = TestFiles.Random(100_000, seed: 2);

        var first = await Store.PutAsync(new MemoryStream(bytes), null, Ct);
        var second = await Store.PutAsync(new MemoryStream(bytes), null, Ct);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Hash, second.Hash);
        Assert.Single(await ListAsync());
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public async Task Concurrent_writes_of_the_same_bytes_leave_one_whole_blob()
    {
        var bytes = TestFiles.Random(2 * 1024 * 1024, seed: 3);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.PutAsync(new MemoryStream(bytes), null, Ct))));

        Assert.Single(results.Select(r => r.Hash).Distinct());
        Assert.Contains(results, r => r.Created);
        var blob = Assert.Single(await ListAsync());
        Assert.Equal(bytes.Length, blob.Length);
        await Store.VerifyAsync(blob.Hash, Ct);
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public async Task Different_files_are_different_blobs_and_deleting_one_keeps_the_other()
    {
        var a = await Store.PutAsync(new MemoryStream(TestFiles.Random(1000, seed: 4)), null, Ct);
        var b = await Store.PutAsync(new MemoryStream(TestFiles.Random(1000, seed: 5)), null, Ct);

        await Store.DeleteAsync(a.Hash, Ct);

        Assert.Null(await Store.StatAsync(a.Hash, Ct));
        Assert.Equal([b.Hash], (await ListAsync()).Select(x => x.Hash));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(a.Hash, null, Ct));
    }

    [Fact]
    public async Task A_corrupted_blob_is_found_by_its_hash()
    {
        var bytes = TestFiles.Random(50_000, seed: 6);
        var stored = await Store.PutAsync(new MemoryStream(bytes), null, Ct);
        var tampered = (byte[])bytes.Clone();
        tampered[12_345] ^= 0xFF;

        await CorruptAsync(stored.Hash, tampered);

        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => Store.VerifyAsync(stored.Hash, Ct));
        Assert.Equal(stored.Hash, error.Expected);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(tampered)), error.Actual.Hex);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_and_leaves_nothing()
    {
        var bytes = TestFiles.Random(300_000, seed: 7);

        await Assert.ThrowsAsync<BlobTooLargeException>(() => Store.PutAsync(new MemoryStream(bytes), new BlobStageOptions { MaxBytes = 299_999 }, Ct));

        Assert.Empty(await ListAsync());
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public async Task A_file_whose_bytes_differ_from_the_expected_hash_is_refused_and_leaves_nothing()
    {
        var expected = ContentHash.FromDigest(SHA256.HashData(TestFiles.Random(10, seed: 8)));

        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() =>
            Store.PutAsync(new MemoryStream(TestFiles.Random(10, seed: 9)), new BlobStageOptions { ExpectedHash = expected }, Ct));

        Assert.Equal(expected, error.Expected);
        Assert.Empty(await ListAsync());
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public async Task A_content_check_that_refuses_the_file_stops_it_and_leaves_nothing()
    {
        var check = new RefuseAfter(bytes: 64 * 1024);

        await Assert.ThrowsAsync<FormatException>(() => Store.PutAsync(new MemoryStream(TestFiles.Random(4 * 1024 * 1024, seed: 10)), new BlobStageOptions { Check = check }, Ct));

        Assert.True(check.Seen < 4 * 1024 * 1024, $"the check saw {check.Seen} bytes: the whole file was read before it was refused");
        Assert.Empty(await ListAsync());
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_file_leaves_nothing()
    {
        var body = TestFiles.Throwing(TestFiles.Random(3 * 1024 * 1024, seed: 11), new IOException("The client closed the connection."));

        await Assert.ThrowsAsync<IOException>(() => Store.PutAsync(body, null, Ct));

        Assert.Empty(await ListAsync());
        Assert.Empty(StagingFiles());
    }

    [Fact]
    public async Task A_staged_file_that_is_never_committed_is_removed_on_dispose()
    {
        await using (var staged = await Store.StageAsync(new MemoryStream(TestFiles.Random(1000, seed: 12)), null, Ct))
        {
            Assert.Single(StagingFiles());
        }

        Assert.Empty(StagingFiles());
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task A_missing_blob_is_not_found()
    {
        var hash = ContentHash.Parse(new string('c', 64));

        Assert.Null(await Store.StatAsync(hash, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(hash, null, Ct));
    }

    protected async Task<byte[]> ReadAsync(ContentHash hash, ByteRange? range)
    {
        await using var stream = await Store.OpenReadAsync(hash, range, Ct);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    protected async Task<List<BlobStat>> ListAsync()
    {
        var list = new List<BlobStat>();
        await foreach (var blob in Store.ListAsync(Ct)) list.Add(blob);
        return list;
    }

    protected string[] StagingFiles() => Directory.Exists(StagingDirectory) ? Directory.GetFiles(StagingDirectory) : [];

    private sealed class RefuseAfter(int bytes) : IBlobContentCheck
    {
        public long Seen { get; private set; }

        public void Append(ReadOnlySpan<byte> chunk)
        {
            Seen += chunk.Length;
            if (Seen >= bytes) throw new FormatException("refused by the content check");
        }

        public void Complete(long length) { }
    }
}
