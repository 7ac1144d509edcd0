using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Tests.Shared;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Graphs;

/// <summary>Puts a real circuit-tracer graph into the archive the way a client does: through the upload API.</summary>
internal static class GraphUploads
{
    /// <summary>Uploads <c>circuit-tracer/{file}</c> from the interop folder (skipping the test where it is absent) and
    /// returns the stored graph's id.</summary>
    public static async Task<Guid> UploadInteropAsync(ArchiveFixture archive, string file)
    {
        var bytes = await File.ReadAllBytesAsync(InteropFiles.Require(Path.Combine("circuit-tracer", file)));
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var client = archive.CreateClient();
        using var created = await client.PostAsync("/api/v1/graphs", content);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static JsonDocument ReadInterop(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(InteropFiles.Require(Path.Combine("circuit-tracer", file))));
}
