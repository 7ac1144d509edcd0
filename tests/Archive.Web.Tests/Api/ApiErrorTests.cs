using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Api;

/// <summary>
/// The API's errors are ProblemDetails whoever raises them (an endpoint, routing, content-type matching), never the
/// site's HTML pages and never an empty body.
/// </summary>
public sealed class ApiErrorTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("GET", "/api/v1/no/such/resource", null, HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/api/v1/graphs", null, HttpStatusCode.MethodNotAllowed)]
    [InlineData("POST", "/api/v1/circuits/attribution-graph", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("POST", "/api/v1/circuits/attribution-graph", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    public async Task Framework_errors_on_api_paths_are_problem_details(string method, string path, string? mediaType, HttpStatusCode expected)
    {
        using var client = archive.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (mediaType is not null) request.Content = new StringContent("{}", Encoding.UTF8, mediaType);

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/api/specimens?q=induction", "/api/v1/specimens?q=induction")]
    [InlineData("POST", "/api/claims/7/evidence", "/api/v1/claims/7/evidence")]
    [InlineData("GET", "/api/dictionaries/d/features/3", "/api/v1/dictionaries/d/features/3")]
    public async Task Unversioned_api_paths_redirect_permanently_to_v1_keeping_the_method(string method, string path, string location)
    {
        using var client = archive.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }
}
