using Archive.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>The feature dashboard in a real browser: a token's activation shows in a tooltip on hover and by keyboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DictionaryBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private IBrowserContext context = null!;
    private IPage page = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using (var db = archive.CreateDbContext())
        {
            await DictionaryTestData.SaveAsync(db, DictionaryTestData.NewDictionary(ArchiveTestData.NewModel()));
        }
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        page = await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    [Fact]
    public async Task Hovering_a_context_token_shows_its_activation()
    {
        await page.GotoAsync("/dictionaries/attn-2l-resid1-topk/features/0");
        var tip = page.Locator("#token-tip");

        await page.Locator(".context").First.Locator(".tok-max").HoverAsync();

        await Assertions.Expect(tip).ToBeVisibleAsync();
        await Assertions.Expect(tip).ToHaveTextAsync("“ \"”: 4.5");
        await Assertions.Expect(page.Locator(".context").First.Locator(".tok-max")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-active"));

        // Keyboard: focus the context, then arrow keys walk its tokens from the peak.
        await page.Mouse.MoveAsync(0, 0);
        await Assertions.Expect(tip).ToBeHiddenAsync();
        await page.Locator(".context-tokens").First.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(tip).ToHaveTextAsync("“ \"”: 4.5");
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(tip).ToHaveTextAsync("“Hello”: 0.4");

        // Opening the dictionary from the breadcrumb and sorting by density keeps working without script errors.
        await page.ClickAsync("text=Residual stream after layer 1, TopK");
        await page.WaitForURLAsync("**/dictionaries/attn-2l-resid1-topk");
        await Assertions.Expect(page.Locator("table.features tbody tr")).ToHaveCountAsync(4);
    }
}
