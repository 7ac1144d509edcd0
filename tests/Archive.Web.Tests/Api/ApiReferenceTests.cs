using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Api;

/// <summary>The OpenAPI document names every v1 endpoint, and its browsable reference works without the internet.</summary>
public sealed partial class ApiReferenceTests(ArchiveFixture archive)
{
    [Fact]
    public async Task The_openapi_document_lists_the_v1_endpoints_and_nothing_unversioned()
    {
        using var client = archive.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.All(paths, p => Assert.StartsWith("/api/v1/", p));
        foreach (var expected in new[] { "/api/v1/specimens/{slug}", "/api/v1/graphs", "/api/v1/graphs/{id}", "/api/v1/dictionaries/{slug}/features.jsonl", "/api/v1/claims/{claimId}/evidence" })
            Assert.Contains(expected, paths);
    }

    [Fact]
    public async Task The_reference_page_loads_its_script_from_the_archive()
    {
        using var client = archive.CreateClient();

        using var page = await client.GetAsync("/scalar/v1");
        var html = await page.Content.ReadAsStringAsync();
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups["src"].Value).ToList();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.NotEmpty(scripts);
        Assert.All(scripts, src => Assert.False(Uri.TryCreate(src, UriKind.Absolute, out var u) && u.Host.Length > 0, $"{src} is on another origin"));
        foreach (var src in scripts)
        {
            using var script = await client.GetAsync(new Uri(new Uri(client.BaseAddress!, "/scalar/v1"), src));
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        }
    }

    [GeneratedRegex("<script[^>]*src=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();
}
