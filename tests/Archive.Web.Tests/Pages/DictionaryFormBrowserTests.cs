using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Data.Dictionaries;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Dictionaries;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// A contributor uploads a SAELens folder from the site in a real browser: the Brown specimen's SAE for the Brown model,
/// with a file of token ids, sent with a progress bar; the browser lands on the dictionary's page, which says the
/// worker is computing its dashboards. A fault is shown next to its field first.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DictionaryFormBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private IBrowserContext context = null!;
    private IPage page = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        await BrownSae.InsertModelAsync(archive);
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        page = await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    [Fact]
    public async Task A_contributor_uploads_a_saelens_folder_sees_its_progress_and_lands_on_the_dictionary_computing_its_dashboards()
    {
        await page.GotoAsync("/account/sign-in");
        await page.Locator("#email").FillAsync("ada@example.org");
        await page.Locator("#password").FillAsync(AccountTestData.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("^(?!.*sign-in)"));
        await page.GotoAsync("/dictionaries");
        await page.GetByRole(AriaRole.Link, new() { Name = "Upload a dictionary" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/dictionaries/new$"));

        // The slug follows the title; the Brown model's claims name no token set here, so the ids are uploaded.
        await page.Locator("#d-title").FillAsync("Brown residual stream, block 0");
        await Assertions.Expect(page.Locator("#d-slug")).ToHaveValueAsync("brown-residual-stream-block-0");
        await page.Locator("#d-model").SelectOptionAsync(BrownSae.ModelSlug);
        await Assertions.Expect(page.GetByText("The archive holds no token set for this model's claims")).ToBeVisibleAsync();
        await page.Locator("#d-cfg").SetInputFilesAsync(BrownSae.ConfigPath);
        await page.Locator("#d-weights").SetInputFilesAsync(BrownSae.WeightsPath);
        await page.GetByLabel("Upload token ids").CheckAsync();
        await page.Locator("#d-token-file").SetInputFilesAsync(new FilePayload { Name = "ids.bin", MimeType = "application/octet-stream", Buffer = BrownSae.Tokens() });
        await page.Locator("#d-windows").FillAsync("4");

        // Windows longer than the model's context: refused, said next to the token set, nothing stored.
        await page.Locator("#d-length").FillAsync("4000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload dictionary" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-error-for=token_set]")).ToContainTextAsync("the model's n_ctx");
        await Assertions.Expect(page.Locator("[data-status]")).ToContainTextAsync("Nothing was stored");
        await using (var db = archive.CreateDbContext())
            Assert.False(await db.FeatureDictionaries.AnyAsync());

        // The upload's progress bar is shown while it is sent (recorded as it happens: on loopback it is brief, and the
        // page is left when the upload is stored).
        var progressShown = false;
        await page.ExposeFunctionAsync("progressShown", () => { progressShown = true; });
        await page.EvaluateAsync("""
            () => {
              const bar = document.querySelector('[data-progress]');
              new MutationObserver(() => { if (!bar.hidden) window.progressShown(); }).observe(bar, { attributes: true });
            }
            """);
        await page.Locator("#d-length").FillAsync("16");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload dictionary" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/dictionaries/brown-residual-stream-block-0$"));
        Assert.True(progressShown, "the progress bar was not shown during the upload");
        await Assertions.Expect(page.Locator(".banner-progress")).ToContainTextAsync("Computing dashboards");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Brown residual stream, block 0" })).ToBeVisibleAsync();

        await using var after = archive.CreateDbContext();
        var stored = await after.FeatureDictionaries.Include(d => d.DashboardJob).SingleAsync();
        Assert.Equal((DashboardStatus.Queued, BrownSae.Sha(BrownSae.Tokens())), (stored.DashboardJob!.Status, stored.DashboardJob.TokenSetSha256));
    }
}
