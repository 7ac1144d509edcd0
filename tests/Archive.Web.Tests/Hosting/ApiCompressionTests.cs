using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Hosting;

/// <summary>The API's JSON goes compressed to clients that accept it; HTML pages never do (BREACH).</summary>
public sealed class ApiCompressionTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Api_json_is_brotli_compressed_and_reads_back_whole()
    {
        using var client = archive.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/specimens/induction");
        request.Headers.AcceptEncoding.ParseAdd("br, gzip");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["br"], response.Content.Headers.ContentEncoding);
        await using var body = new BrotliStream(await response.Content.ReadAsStreamAsync(Ct), CompressionMode.Decompress);
        var json = await JsonDocument.ParseAsync(body, cancellationToken: Ct);
        Assert.Equal("induction", json.RootElement.GetProperty("specimen").GetProperty("slug").GetString());
    }

    [Fact]
    public async Task Pages_are_not_compressed()
    {
        using var client = archive.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/specimens/induction");
        request.Headers.AcceptEncoding.ParseAdd("br, gzip");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }
}
