using System.Net;
using System.Net.Http.Headers;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Files;

/// <summary>Model weights stream from the blob store with HTTP's download semantics: ETag, 304, ranges, 416, HEAD.</summary>
public sealed class BlobDownloadTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static readonly byte[] Weights = CreateWeights();
    private const string Url = "/api/v1/models/attn-only-2l/weights";
    private string sha = "";

    private static byte[] CreateWeights()
    {
        var bytes = new byte[100_000];
        new Random(60).NextBytes(bytes);
        return bytes;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        sha = (await archive.StoreFileAsync(Weights)).Hex;
        await using var db = archive.CreateDbContext();
        var model = ArchiveTestData.NewModel();
        model.Sha256 = sha;
        model.SizeBytes = Weights.Length;
        db.Models.Add(model);
        await db.SaveChangesAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, Url);
        headers?.Invoke(request.Headers);
        return await archive.CreateClient().SendAsync(request, Ct);
    }

    [Fact]
    public async Task A_get_answers_the_whole_file_with_length_etag_and_file_name()
    {
        using var response = await SendAsync(HttpMethod.Get);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Weights, await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(Weights.Length, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{sha}\"", response.Headers.ETag?.Tag);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.Equal("attn-only-2l.safetensors", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_head_answers_the_headers_without_the_body()
    {
        using var response = await SendAsync(HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Weights.Length, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{sha}\"", response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=99990-", 99_990, 10)]
    [InlineData("bytes=-10", 99_990, 10)]
    [InlineData("bytes=-200000", 0, 100_000)]
    [InlineData("bytes=99999-200000", 99_999, 1)]
    [InlineData("bytes=0-0", 0, 1)]
    public async Task A_range_answers_206_with_exactly_those_bytes(string range, int offset, int length)
    {
        using var response = await SendAsync(HttpMethod.Get, h => h.Add("Range", range));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Weights.AsSpan(offset, length).ToArray(), await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($"bytes {offset}-{offset + length - 1}/{Weights.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(length, response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("bytes=100000-")]
    [InlineData("bytes=200000-300000")]
    [InlineData("bytes=-0")]
    public async Task A_range_past_the_end_answers_416_with_the_length(string range)
    {
        using var response = await SendAsync(HttpMethod.Get, h => h.Add("Range", range));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{Weights.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Theory]
    [InlineData("bytes=0-9,20-29")] // several ranges: the whole file, as RFC 9110 allows
    [InlineData("bytes=abc")]        // malformed: ignored
    [InlineData("items=0-9")]        // another unit: ignored
    public async Task Ranges_it_does_not_serve_get_the_whole_file(string range)
    {
        using var response = await SendAsync(HttpMethod.Get, h => h.TryAddWithoutValidation("Range", range));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Weights, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task If_range_with_another_version_gets_the_whole_file_and_with_this_one_the_range()
    {
        using var other = await SendAsync(HttpMethod.Get, h => { h.Add("Range", "bytes=0-9"); h.Add("If-Range", $"\"{new string('0', 64)}\""); });
        using var same = await SendAsync(HttpMethod.Get, h => { h.Add("Range", "bytes=0-9"); h.Add("If-Range", $"\"{sha}\""); });

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.PartialContent, same.StatusCode);
    }

    [Theory]
    [InlineData("\"{0}\"")]
    [InlineData("W/\"{0}\"")]
    [InlineData("\"0000\", \"{0}\"")]
    [InlineData("*")]
    public async Task If_none_match_with_its_sha256_answers_304_without_a_body(string header)
    {
        using var response = await SendAsync(HttpMethod.Get, h => h.TryAddWithoutValidation("If-None-Match", string.Format(header, sha)));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task An_unknown_model_is_a_problem_details_404()
    {
        using var response = await archive.CreateClient().GetAsync("/api/v1/models/nope/weights", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
