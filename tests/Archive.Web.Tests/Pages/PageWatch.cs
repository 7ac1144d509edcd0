using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// What a page did that it should not have: script errors, dialogs (answered, so the page goes on), requests to
/// another origin, Content-Security-Policy violations (recorded by the page itself, from its first script on).
/// </summary>
public sealed class PageWatch
{
    /// <summary>Runs before any of the page's scripts, in every frame.</summary>
    private const string RecordViolations = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
        });
        """;

    public List<string> PageErrors { get; } = [];
    public List<string> Dialogs { get; } = [];
    public List<string> OtherOriginRequests { get; } = [];

    private PageWatch(IPage page, Uri site)
    {
        page.PageError += (_, error) => PageErrors.Add(error);
        page.Dialog += async (_, dialog) =>
        {
            Dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        page.Request += (_, request) =>
        {
            if (Uri.TryCreate(request.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" or "ws" or "wss"
                && !(url.Host == site.Host && url.Port == site.Port))
            {
                OtherOriginRequests.Add(request.Url);
            }
        };
    }

    public static async Task<PageWatch> StartAsync(IPage page, Uri site)
    {
        var watch = new PageWatch(page, site);
        await page.AddInitScriptAsync(RecordViolations);
        return watch;
    }

    public static Task<string[]> ViolationsAsync(IPage page) => page.EvaluateAsync<string[]>("() => window.__cspViolations ?? ['no record: the watch did not run']");

    /// <summary>Nothing went wrong on the page so far.</summary>
    public async Task AssertCleanAsync(IPage page)
    {
        Assert.Empty(PageErrors);
        Assert.Empty(Dialogs);
        Assert.Empty(OtherOriginRequests);
        Assert.Empty(await ViolationsAsync(page));
    }
}
