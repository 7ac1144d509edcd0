using System.Net;
using System.Text.RegularExpressions;

namespace Archive.Web.Tests.Infrastructure;

/// <summary>
/// A browser-like HTTP session on the real site: keeps cookies, and fills in a page's form as a browser would (the
/// antiforgery token and Blazor's form name come from the page's own HTML), without following redirects.
/// </summary>
public sealed partial class SiteSession : IDisposable
{
    private readonly HttpClient client;

    public SiteSession(ArchiveFixture archive)
    {
        Cookies = new CookieContainer();
        client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies }) { BaseAddress = archive.BaseAddress };
    }

    public CookieContainer Cookies { get; }

    public HttpClient Client => client;

    public async Task<string> GetPageAsync(string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Opens <paramref name="path"/>, takes the form named <paramref name="formName"/>, sets the fields and posts it.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string path, string formName, IReadOnlyDictionary<string, string> fields)
    {
        var html = await GetPageAsync(path);
        var form = FormPattern().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains($"value=\"{formName}\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form '{formName}' on {path}.");
        var values = new Dictionary<string, string>();
        foreach (Match hidden in HiddenPattern().Matches(form)) values[WebUtility.HtmlDecode(hidden.Groups["name"].Value)] = WebUtility.HtmlDecode(hidden.Groups["value"].Value);
        foreach (var (name, value) in fields) values[name] = value;
        var action = ActionPattern().Match(form) is { Success: true } a ? WebUtility.HtmlDecode(a.Groups["action"].Value) : path;
        return await client.PostAsync(string.IsNullOrEmpty(action) ? path : action, new FormUrlEncodedContent(values), TestContext.Current.CancellationToken);
    }

    public void Dispose() => client.Dispose();

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex HiddenPattern();

    [GeneratedRegex("^<form[^>]*action=\"(?<action>[^\"]*)\"")]
    private static partial Regex ActionPattern();
}

public static class RedirectExtensions
{
    /// <summary>The path (and query) a redirect goes to, whether the Location header is absolute or relative.</summary>
    public static string? LocationPath(this HttpResponseMessage response) =>
        response.Headers.Location is not { } location ? null : location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
}
