using System.Net;
using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Web.Tests.Accounts;

/// <summary>
/// Every page and endpoint the site maps (read from its routing table, so a new one is covered without editing this
/// test), called by every kind of visitor with a draft's identifiers in its route: nobody who may not see the draft gets
/// a byte of it or changes it, and nothing answers 500.
/// </summary>
public sealed partial class SecurityMatrixTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string SecretTitle = "Top-secret draft about copying";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DraftScenario draft = null!;

    public async ValueTask InitializeAsync() => draft = await DraftScenario.CreateAsync(archive, SecretTitle);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Every route the site maps, with the methods it answers, its parameters filled with the draft's identifiers.</summary>
    private List<(string Method, string Path)> Routes()
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["slug"] = "secret-draft", ["circuit"] = "induction", ["number"] = "1", ["id"] = draft.RunId.ToString(), ["claimId"] = draft.ClaimId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["index"] = "0", ["sha256"] = new string('a', 64),
        };
        var routes = new List<(string, string)>();
        foreach (var endpoint in archive.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (pattern.Contains("{*", StringComparison.Ordinal) || pattern.StartsWith("/_", StringComparison.Ordinal)) continue; // static files, framework
            var path = ParameterPattern().Replace(pattern, m => values.TryGetValue(m.Groups["name"].Value, out var v) ? v : "x");
            if (!path.StartsWith('/')) path = "/" + path;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            routes.AddRange(methods.Where(m => m is "GET" or "POST").Select(m => (m, path)));
        }
        return [.. routes.Distinct()];
    }

    public static TheoryData<string> Outsiders => new() { "anonymous", "reader", "other" };

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task No_route_gives_an_outsider_the_draft_or_changes_it(string handle)
    {
        using var session = handle == "anonymous" ? new SiteSession(archive) : await archive.SignInAsync(handle);
        using var keyed = handle == "anonymous" ? archive.CreateClient() : archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts[handle], ApiKeyScopes.Read | ApiKeyScopes.Submit));
        var routes = Routes();
        Assert.True(routes.Count > 40, $"only {routes.Count} routes found");

        foreach (var (method, path) in routes)
        {
            var client = path.StartsWith("/api", StringComparison.Ordinal) ? keyed : session.Client;
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST") request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "Published", ["body"] = "x" });
            using var response = await client.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True((int)response.StatusCode < 500, $"{handle}: {method} {path} answered {(int)response.StatusCode}");
            Assert.False(body.Contains(SecretTitle, StringComparison.Ordinal), $"{handle}: {method} {path} showed the draft");
        }

        await using var db = archive.CreateDbContext();
        Assert.Equal(SpecimenStatus.Draft, await db.Specimens.Where(s => s.Slug == "secret-draft").Select(s => s.Status).SingleAsync(Ct));
        Assert.Equal(1, await db.EvidenceRuns.CountAsync(Ct));
        Assert.Equal(EvidenceStatus.Queued, await db.EvidenceRuns.Select(r => r.Status).SingleAsync(Ct));
        Assert.False(await db.ReviewEvents.AnyAsync(Ct));
    }

    [Theory]
    [InlineData("author")]
    [InlineData("reviewer")]
    [InlineData("admin")]
    public async Task Those_who_may_see_the_draft_see_it_on_its_page_and_in_the_api_and_nothing_answers_500(string handle)
    {
        using var session = await archive.SignInAsync(handle);
        using var keyed = archive.ClientWithKey(await archive.CreateKeyAsync(draft.Accounts[handle], ApiKeyScopes.Read));

        foreach (var (method, path) in Routes().Where(r => r.Method == "GET"))
        {
            var client = path.StartsWith("/api", StringComparison.Ordinal) ? keyed : session.Client;
            using var response = await client.GetAsync(path, Ct);
            Assert.True((int)response.StatusCode < 500, $"{handle}: GET {path} answered {(int)response.StatusCode}");
        }
        Assert.Contains(SecretTitle, await session.GetPageAsync("/specimens/secret-draft"));
        Assert.Contains(SecretTitle, await keyed.GetStringAsync("/api/v1/specimens/secret-draft", Ct));
    }

    [GeneratedRegex(@"\{(?<name>\w+)(:[^}]*)?\??\}")]
    private static partial Regex ParameterPattern();
}
