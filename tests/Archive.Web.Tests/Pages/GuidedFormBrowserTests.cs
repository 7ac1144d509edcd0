using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Data.Specimens;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Archive.Web.Tests.Submissions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// A contributor who has never seen a bundle publishes a specimen from the site, field by field, in a real browser: the
/// listing, a model file uploaded with its progress and validated, the writeup with its live preview, a claim whose
/// parameter fields come from its method's schema (a fault shown next to its field first), then "Save draft", and the
/// claim's verdict from a real worker, live on the same page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class GuidedFormBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    /// <summary>The worker's first start loads .NET and libtorch: generous, since nothing here measures speed.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions WorkerWait = new() { Timeout = 90_000 };

    private IBrowserContext context = null!;
    private IPage page = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        page = await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    [Fact]
    public async Task A_contributor_fills_the_guided_form_saves_a_draft_and_sees_its_claims_verdict()
    {
        var workerFolder = PublishedWorker.Folder;
        Assert.SkipWhen(workerFolder is null, $"{PublishedWorker.PublishVariable} is not set: this test needs a published worker (.ci/test publishes one).");

        await page.GotoAsync("/account/sign-in");
        await page.Locator("#email").FillAsync("ada@example.org");
        await page.Locator("#password").FillAsync(AccountTestData.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("^(?!.*sign-in)"));
        await page.GotoAsync("/submissions");
        await page.GetByRole(AriaRole.Link, new() { Name = "Publish a specimen, field by field" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/submissions/guided$"));

        // The listing; the slug follows the title.
        await page.Locator("#g-title").FillAsync("Superposition in a toy model, again");
        await Assertions.Expect(page.Locator("#g-slug")).ToHaveValueAsync("superposition-in-a-toy-model-again");
        await page.Locator("#g-summary").FillAsync("Twenty features in five dimensions.");
        await page.Locator("#g-behaviour").FillAsync("compressing sparse features");
        await page.Locator("#g-tags").FillAsync("superposition, toy-model");

        // The model: uploaded, validated by the archive, described next to the field.
        await page.GetByLabel("Upload a safetensors file").CheckAsync();
        await page.Locator("#g-model-architecture").SelectOptionAsync("toy-superposition");
        await page.Locator("#g-model-file").SetInputFilesAsync(ShippedBundles.File(GuidedForm.ToyBundle, "model.safetensors"));
        await Assertions.Expect(page.Locator("[data-model-status]")).ToContainTextAsync("Validated model.safetensors: 20 features in 5 dimensions");
        await Assertions.Expect(page.Locator("#g-model-slug")).ToHaveValueAsync("superposition-in-a-toy-model-again-model");
        await page.Locator("#g-model-name").FillAsync("Toy superposition again");

        // The writeup, previewed by the server's pipeline (headings demoted, raw HTML shown as text).
        await page.Locator("#g-writeup").FillAsync("# Findings\n\nWith dense features at most **five** are represented.\n\n<script>window.previewScriptRan = true</script>\n");
        var preview = page.GetByTestId("writeup-preview");
        await Assertions.Expect(preview.Locator("h2#findings")).ToContainTextAsync("Findings");
        await Assertions.Expect(preview.Locator("strong")).ToHaveTextAsync("five");
        await Assertions.Expect(preview).ToContainTextAsync("<script>");
        Assert.False(await page.EvaluateAsync<bool>("() => window.previewScriptRan === true"));

        // A claim: its parameters are fields built from the method's schema; the worker's rule speaks next to the field.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a claim" }).ClickAsync();
        var claim = page.GetByTestId("claim-0");
        await claim.Locator("#g-claims-0-method").SelectOptionAsync("superposition");
        var sparsity = claim.Locator("[data-param=sparsity_index]");
        await Assertions.Expect(sparsity).ToHaveAttributeAsync("max", "1000");
        await Assertions.Expect(claim.Locator("[data-param=measure] option")).ToHaveCountAsync(5);
        await sparsity.FillAsync("2000");
        await Assertions.Expect(claim.Locator("[data-error-for='claims[0].parameters.sparsity_index']")).ToHaveTextAsync("must lie in [0, 1000]");
        await sparsity.FillAsync("0");
        await Assertions.Expect(claim.Locator("[data-error-for='claims[0].parameters.sparsity_index']")).ToBeHiddenAsync();
        await claim.Locator("#g-claims-0-key").FillAsync("dense-at-most-m");
        await claim.Locator("#g-claims-0-statement").FillAsync("With dense features the model represents at most 5 of the 20 features");
        await claim.Locator("#g-claims-0-targets").FillAsync("S=0");
        await claim.Locator("#g-claims-0-comparison").SelectOptionAsync("AtMost");
        await claim.Locator("#g-claims-0-expected").FillAsync("5");

        // Kept in this browser as typed.
        Assert.Contains("dense-at-most-m", await page.EvaluateAsync<string>("() => localStorage.getItem('archive:guided:superposition-in-a-toy-model-again')"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/submissions/guided\\?slug=superposition-in-a-toy-model-again#checks$"));
        await using (var db = archive.CreateDbContext())
            Assert.Equal(SpecimenStatus.Draft, (await db.Specimens.SingleAsync()).Status);
        // The form comes back with its fields, and the draft's checks below it.
        await Assertions.Expect(page.Locator("#g-title")).ToHaveValueAsync("Superposition in a toy model, again");
        var row = page.GetByTestId("check-dense-at-most-m");
        await Assertions.Expect(row.GetByTestId("run-live")).ToBeVisibleAsync();

        using var worker = PublishedWorker.Start(archive, workerFolder!);
        try
        {
            await Assertions.Expect(row.GetByTestId("run-live-verdict")).ToHaveTextAsync("supported", WorkerWait);
        }
        catch (PlaywrightException ex)
        {
            Assert.Fail($"{ex.Message}\nWorker output:\n{worker.Output}");
        }
        await Assertions.Expect(row.GetByTestId("run-live-headline")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Submit for review" })).ToBeVisibleAsync();
    }
}
