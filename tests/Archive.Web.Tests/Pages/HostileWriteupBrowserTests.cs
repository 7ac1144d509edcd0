using Archive.Web.Tests.Infrastructure;
using Archive.Web.Tests.Markdown;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// Each hostile writeup, published and opened in Chromium with the site's scripts (KaTeX, highlight.js, site.js) and
/// Content-Security-Policy: the page renders its title and writeup, and nothing the writeup carries runs, opens a
/// dialog, reaches another origin, trips the policy or throws.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HostileWriteupBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private IBrowserContext context = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(30_000);
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    [Theory]
    [MemberData(nameof(HostileWriteups.Names), MemberType = typeof(HostileWriteups))]
    public async Task A_hostile_writeup_renders_and_nothing_in_it_runs(string name)
    {
        var title = $"Hostile writeup: {name}";
        await using (var db = archive.CreateDbContext())
        {
            var specimen = ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "hostile", title, writeup: HostileWriteups.All[name]);
            specimen.SearchText = name; // the library's search is not under test; a 2 MB writeup need not be indexed
            await ArchiveTestData.SaveAsync(db, specimen);
        }
        var page = await context.NewPageAsync();
        var watch = await PageWatch.StartAsync(page, archive.BaseAddress);

        await page.GotoAsync("/specimens/hostile", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(title);
        await Assertions.Expect(page.Locator("#writeup")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.__pwned === undefined"), "a payload ran");
        Assert.Empty(await page.EvaluateAsync<string[]>(UnsafeMarkupInWriteup));
        await watch.AssertCleanAsync(page);
    }

    /// <summary>
    /// The writeup as the browser has it, after KaTeX and highlight.js: elements that run or load things, event
    /// handler attributes, links that are not http(s), mailto or this site's, sources that are not this site's. (KaTeX
    /// itself writes svg and math elements; the writeup's own HTML is checked on the server, HostileMarkdownTests.)
    /// </summary>
    private const string UnsafeMarkupInWriteup = """
        () => {
          const found = [];
          const writeup = document.querySelector('#writeup');
          writeup.querySelectorAll('script, style, link, iframe, frame, object, embed, form, base, meta, video, audio')
            .forEach((el) => found.push(`<${el.localName}>`));
          for (const el of writeup.querySelectorAll('*')) {
            for (const attr of el.attributes) {
              if (attr.name.startsWith('on')) found.push(`${el.localName} ${attr.name}`);
            }
            if (el.hasAttribute('href') && !/^(https?:|mailto:)/.test(el.href) ) found.push(`href ${el.href}`);
            if (el.hasAttribute('src') && !(el.src.startsWith(location.origin + '/') || el.src.startsWith('data:image/'))) found.push(`src ${el.src}`);
          }
          return found;
        }
        """;
}
