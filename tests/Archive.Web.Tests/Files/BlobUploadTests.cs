using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Files;

/// <summary>
/// The upload primitive over real HTTP: a file streams into the blob store while it is hashed and, for safetensors,
/// validated as it arrives; whatever goes wrong (a bad header, the size limit, the client gone), nothing is stored.
/// </summary>
public sealed class BlobUploadTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const long Limit = 8 * 1024 * 1024;
    private UploadHost host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        host = await UploadHost.StartAsync(archive.ConnectionString, Limit);
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>A valid safetensors file: one F32 tensor of <paramref name="floats"/> values.</summary>
    private static byte[] Safetensors(int floats, string dtype = "F32")
    {
        var header = Encoding.UTF8.GetBytes($$$"""{"w":{"dtype":"{{{dtype}}}","shape":[{{{floats}}}],"data_offsets":[0,{{{floats * 4}}}]}}""");
        var bytes = new byte[8 + header.Length + floats * 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        new Random(floats).NextBytes(bytes.AsSpan(8 + header.Length));
        return bytes;
    }

    private async Task AssertNothingStoredAsync()
    {
        await using var db = archive.CreateDbContext();
        Assert.Equal(0, await db.Blobs.CountAsync(b => b.Sha256 != ArchiveFixture.PlaceholderFile.Hex, Ct));
        var files = Directory.Exists(host.BlobDirectory) ? Directory.GetFiles(host.BlobDirectory, "*", SearchOption.AllDirectories) : [];
        Assert.Empty(files);
    }

    [Fact]
    public async Task A_valid_file_is_stored_once_under_its_sha256_with_its_row()
    {
        var file = Safetensors(100_000);
        using var client = host.CreateClient();

        using var first = await client.PostAsync("weights", new ByteArrayContent(file), Ct);
        using var second = await client.PostAsync("weights", new ByteArrayContent(file), Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var body = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));
        Assert.Equal(sha, body.GetProperty("sha256").GetString());
        var stored = Path.Combine(host.BlobDirectory, sha[..2], sha[2..4], sha);
        Assert.Equal(file, await File.ReadAllBytesAsync(stored, Ct));
        await using var db = archive.CreateDbContext();
        Assert.Equal(file.Length, (await db.Blobs.SingleAsync(b => b.Sha256 == sha, Ct)).SizeBytes);
        Assert.Empty(Directory.GetFiles(host.StagingDirectory));
    }

    [Fact]
    public async Task A_bad_header_stops_the_upload_as_soon_as_the_header_has_arrived()
    {
        var file = Safetensors(16, dtype: "F99");
        var body = new EndlessBody(prefix: file[..(file.Length - 64)], total: 1L << 30); // a header, then up to 1 GiB
        using var client = host.CreateClient();

        var sending = client.PostAsync("weights", new StreamContent(body), Ct);
        await host.WaitForHandledAsync();
        var sentWhenRefused = body.Sent; // what the server had been offered when it stopped reading: header + socket buffers
        using var response = await sending;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("dtype-unknown", problem.GetProperty("rule").GetString());
        Assert.True(sentWhenRefused < 64L * 1024 * 1024, $"the client had sent {sentWhenRefused:N0} bytes when the server refused the file");
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_the_body_is_read()
    {
        using var client = host.CreateClient();
        using var content = new StreamContent(new EndlessBody([], total: Limit + 1));
        content.Headers.ContentLength = Limit + 1;

        using var response = await client.PostAsync("weights", content, Ct);
        await host.WaitForHandledAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_chunked_body_past_the_limit_is_refused_and_leaves_nothing()
    {
        var header = Safetensors((int)(Limit / 4) + 1); // a valid file one float larger than the limit allows
        using var client = host.CreateClient();

        using var response = await client.PostAsync("weights", new StreamContent(new EndlessBody(header, total: header.Length)), Ct);
        await host.WaitForHandledAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_file_shorter_than_its_header_says_is_refused()
    {
        var file = Safetensors(1000);

        using var response = await host.CreateClient().PostAsync("weights", new ByteArrayContent(file[..^4]), Ct);
        await host.WaitForHandledAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("offsets-outside-buffer", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("rule").GetString());
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_upload_leaves_no_blob_no_row_and_no_staging_file()
    {
        var file = Safetensors(1_000_000);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var body = new EndlessBody(file, total: file.Length, afterBytes: 2 * 1024 * 1024, onReached: cancel.Cancel);
        using var client = host.CreateClient();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PostAsync("weights", new StreamContent(body), cancel.Token));
        await host.WaitForHandledAsync();

        await AssertNothingStoredAsync();
    }

    /// <summary>A request body made on the fly: <paramref name="prefix"/>, then zeros up to <paramref name="total"/> bytes,
    /// counting what the client actually sent; it can call <paramref name="onReached"/> after some bytes (the user gives up).</summary>
    private sealed class EndlessBody(byte[] prefix, long total, long afterBytes = long.MaxValue, Action? onReached = null) : Stream
    {
        public long Sent { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Sent; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Sent >= afterBytes) onReached?.Invoke();
            var n = (int)Math.Min(Math.Min(count, 64 * 1024), total - Sent);
            if (n <= 0) return 0;
            for (var i = 0; i < n; i++) buffer[offset + i] = Sent + i < prefix.Length ? prefix[Sent + i] : (byte)0;
            Sent += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
