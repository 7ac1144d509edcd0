using System.Net;
using System.Text.RegularExpressions;
using Archive.Web.Tests.Graphs;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// The headers every response carries, and the one Content-Security-Policy every HTML page carries: the embeddable
/// view changes only its frame-ancestors, the API reference only adds its script's nonce.
/// </summary>
public sealed partial class SecurityHeadersTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string SitePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction-2l", "Induction heads in a two-layer model"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [Theory]
    [InlineData("/")]
    [InlineData("/library")]
    [InlineData("/specimens/induction-2l")]
    [InlineData("/specimens/no-such-specimen")]
    public async Task Every_page_carries_the_sites_policy(string path)
    {
        using var client = archive.CreateClient();

        using var response = await client.GetAsync(path, Ct);

        Assert.Equal(SitePolicy, Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
    }

    [Theory]
    [InlineData("/api/v1/specimens/induction-2l")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/health")]
    public async Task Other_responses_are_not_sniffed_and_carry_no_page_policy(string path)
    {
        using var client = archive.CreateClient();

        using var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    [Fact]
    public async Task The_embeddable_view_changes_only_who_may_frame_it()
    {
        var id = await GraphUploads.UploadInteropAsync(archive, "meow-clt.json");
        using var client = archive.CreateClient();

        using var embed = await client.GetAsync($"/graphs/{id}?embed=true", Ct);
        using var page = await client.GetAsync($"/graphs/{id}", Ct);

        Assert.Equal(SitePolicy.Replace("frame-ancestors 'self'", "frame-ancestors *"), Header(embed, "Content-Security-Policy"));
        Assert.Null(Header(embed, "X-Frame-Options"));
        Assert.Equal(SitePolicy, Header(page, "Content-Security-Policy"));
    }

    [Fact]
    public async Task The_api_reference_policy_adds_only_the_nonce_its_inline_script_carries()
    {
        using var client = archive.CreateClient();

        using var first = await client.GetAsync("/scalar/v1", Ct);
        using var second = await client.GetAsync("/scalar/v1", Ct);
        var policy = Header(first, "Content-Security-Policy")!;
        var nonce = Nonce().Match(policy).Groups["nonce"].Value;
        var html = await first.Content.ReadAsStringAsync(Ct);

        Assert.NotEmpty(nonce);
        Assert.Equal(SitePolicy.Replace("script-src 'self'", $"script-src 'self' 'nonce-{nonce}'"), policy);
        Assert.Contains($"nonce=\"{nonce}\"", html);
        Assert.DoesNotContain(nonce, Header(second, "Content-Security-Policy"));
    }

    [GeneratedRegex("'nonce-(?<nonce>[^']+)'")]
    private static partial Regex Nonce();
}
