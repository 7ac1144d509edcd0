using Archive.Data.Evidence;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// The site's own pages under its Content-Security-Policy in Chromium: none trips the policy or throws, KaTeX and
/// highlight.js still typeset, an interactive island still connects over Blazor's WebSocket, and the API reference
/// still draws. (Searching, filtering, circuits, feature tooltips and graphs are exercised by the other browser tests,
/// which run under the same policy.)
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ContentSecurityPolicyBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private const string Writeup = """
        ## Mechanism

        $$
        \text{score}(h) = \frac{1}{T}\sum_{t} A^{h}_{t,\,t-L+1}
        $$

        ```python
        pattern = cache["blocks.1.attn.hook_pattern"]
        ```
        """;

    private IBrowserContext context = null!;
    private Guid queuedRun;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using (var db = archive.CreateDbContext())
        {
            var model = ArchiveTestData.NewModel();
            var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, "induction-2l", "Induction heads in a two-layer model", writeup: Writeup));
            await DictionaryTestData.SaveAsync(db, DictionaryTestData.NewDictionary(model));
            var claim = await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId);
            queuedRun = Guid.NewGuid();
            db.EvidenceRuns.Add(new EvidenceRun { Id = queuedRun, ClaimId = claim.Id, Status = EvidenceStatus.Queued, RequestedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(30_000);
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    private async Task<(IPage Page, PageWatch Watch)> OpenAsync(string path)
    {
        var page = await context.NewPageAsync();
        var watch = await PageWatch.StartAsync(page, archive.BaseAddress);
        await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        return (page, watch);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/library")]
    [InlineData("/models/attn-only-2l")]
    [InlineData("/dictionaries/attn-2l-resid1-topk")]
    [InlineData("/dictionaries/attn-2l-resid1-topk/features/0")]
    [InlineData("/specimens/no-such-specimen")]
    public async Task A_page_runs_within_the_policy(string path)
    {
        var (page, watch) = await OpenAsync(path);

        await Assertions.Expect(page.Locator("h1").First).ToBeVisibleAsync();
        await watch.AssertCleanAsync(page);
    }

    [Fact]
    public async Task A_writeup_is_typeset_and_highlighted_within_the_policy()
    {
        var (page, watch) = await OpenAsync("/specimens/induction-2l");

        await Assertions.Expect(page.Locator("#writeup .math .katex").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#writeup pre code.hljs .hljs-string").First).ToBeVisibleAsync();
        await watch.AssertCleanAsync(page);
    }

    [Fact]
    public async Task An_interactive_island_connects_over_a_same_origin_websocket()
    {
        var page = await context.NewPageAsync();
        var watch = await PageWatch.StartAsync(page, archive.BaseAddress);

        var sockets = new List<string>();
        var received = new TaskCompletionSource();
        page.WebSocket += (_, socket) =>
        {
            sockets.Add(socket.Url);
            socket.FrameReceived += (_, _) => received.TrySetResult();
        };

        await page.GotoAsync($"/evidence/{queuedRun}");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var url = new Uri(Assert.Single(sockets));
        Assert.Equal(("ws", archive.BaseAddress.Authority), (url.Scheme, url.Authority));
        Assert.StartsWith("/_blazor", url.AbsolutePath, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("[data-testid=run-live-status]")).ToHaveTextAsync("Queued: 1st in the queue");
        await watch.AssertCleanAsync(page);
    }

    [Fact]
    public async Task The_api_reference_draws_with_its_nonced_script()
    {
        var (page, watch) = await OpenAsync("/scalar/v1");

        await page.WaitForFunctionAsync("() => document.querySelector('#app')?.childElementCount > 0");
        await Assertions.Expect(page.GetByText("/api/v1/specimens/{slug}").First).ToBeAttachedAsync();
        Assert.Empty(watch.PageErrors);
        Assert.Empty(watch.OtherOriginRequests);
        // Scalar bundles Zod, which asks whether eval is allowed (Function('') in a try) and does without when it is
        // not: the policy refusing that probe is its one report here.
        Assert.All(await PageWatch.ViolationsAsync(page), v => Assert.StartsWith("script-src blocked eval ", v, StringComparison.Ordinal));
    }
}
