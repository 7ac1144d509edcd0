using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Tests.Shared;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Archive.Web.Tests.Submissions;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// A specimen's whole way into the library, in real browsers with a real worker: a newcomer registers, submits a
/// specimen from the guided form with a writeup, a circuit-tracer graph and a claim, and sees the claim checked; a
/// reviewer asks for changes; the author revises; the reviewer publishes; readers find it in the library with its
/// verdict; and a later revision, proposed and published the same way, shows its diff.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SubmissionJourneyBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private const string Slug = "dense-toy-superposition";
    private static readonly LocatorAssertionsToHaveTextOptions WorkerWait = new() { Timeout = 90_000 };

    private IBrowserContext authorContext = null!;
    private IBrowserContext reviewerContext = null!;
    private IBrowserContext readerContext = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await archive.CreateAccountAsync("rita", ArchiveRoles.Reviewer);
        var options = new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() };
        authorContext = await browser.Browser.NewContextAsync(options);
        reviewerContext = await browser.Browser.NewContextAsync(options);
        readerContext = await browser.Browser.NewContextAsync(options);
        foreach (var c in new[] { authorContext, reviewerContext, readerContext }) c.SetDefaultTimeout(15_000);
    }

    public async ValueTask DisposeAsync()
    {
        await authorContext.DisposeAsync();
        await reviewerContext.DisposeAsync();
        await readerContext.DisposeAsync();
    }

    /// <summary>The author edits the writeup of their specimen in the guided form (which reloads the stored draft) and saves.</summary>
    private static async Task ReviseAsync(IPage author, string writeup)
    {
        await author.GotoAsync($"/submissions/guided?slug={Slug}");
        await author.Locator("#g-writeup").FillAsync(writeup);
        await author.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Assertions.Expect(author.Locator("[data-save-status]")).ToContainTextAsync("Saved as revision");
    }

    private static async Task ReviewStepAsync(IPage page, string button, string? reason = null)
    {
        // No fragment: from the page the last step left (…#review), a URL that differs only by its fragment would not reload.
        await page.GotoAsync($"/specimens/{Slug}");
        if (reason is not null) await page.Locator("#review-body").FillAsync(reason);
        var take = page.GetByRole(AriaRole.Button, new() { Name = button, Exact = true });
        if (await take.CountAsync() == 0) Assert.Fail($"No '{button}' on the review panel:\n{await page.Locator("main").InnerTextAsync()}");
        // The form posts and the site redirects back to the same URL: wait for the page that comes back, not for the URL.
        var returned = page.WaitForResponseAsync(r => r.Request.Method == "GET" && r.Request.IsNavigationRequest && r.Url.Contains($"/specimens/{Slug}", StringComparison.Ordinal));
        await take.ClickAsync();
        await returned;
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Assertions.Expect(page.Locator(".form-error")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_newcomer_publishes_a_specimen_through_review_and_a_later_revision_shows_its_diff()
    {
        var workerFolder = PublishedWorker.Folder;
        Assert.SkipWhen(workerFolder is null, $"{PublishedWorker.PublishVariable} is not set: this test needs a published worker (.ci/test publishes one).");
        var graph = InteropFiles.Require("circuit-tracer/meow-clt.json");
        using var worker = PublishedWorker.Start(archive, workerFolder!);

        // Registers (a new account contributes) and opens the guided form.
        var author = await authorContext.NewPageAsync();
        await author.GotoAsync("/account/register");
        await author.Locator("#email").FillAsync("grace@example.org");
        await author.Locator("#handle").FillAsync("grace");
        await author.Locator("#name").FillAsync("Grace");
        await author.Locator("#password").FillAsync(AccountTestData.Password);
        await author.Locator("#confirm").FillAsync(AccountTestData.Password);
        await author.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await author.WaitForURLAsync(new Regex("/account$"));
        await author.GotoAsync("/submissions/guided");

        await author.Locator("#g-title").FillAsync("Dense toy superposition");
        await Assertions.Expect(author.Locator("#g-slug")).ToHaveValueAsync(Slug);
        await author.Locator("#g-summary").FillAsync("With dense features a 20-in-5 toy model represents only a few.");
        await author.Locator("#g-behaviour").FillAsync("compressing dense features");
        await author.GetByLabel("Upload a safetensors file").CheckAsync();
        await author.Locator("#g-model-architecture").SelectOptionAsync("toy-superposition");
        await author.Locator("#g-model-file").SetInputFilesAsync(ShippedBundles.File(GuidedForm.ToyBundle, "model.safetensors"));
        await Assertions.Expect(author.Locator("[data-model-status]")).ToContainTextAsync("Validated model.safetensors");
        await author.Locator("#g-model-name").FillAsync("Dense toy");
        await author.Locator("#g-writeup").FillAsync("# Findings\n\nAt most five features are represented.\n");
        // A circuit-tracer graph as circuit-tracer wrote it, converted and drawn.
        await author.Locator("#g-circuit-file").SetInputFilesAsync(graph);
        await Assertions.Expect(author.Locator("[data-circuits] .guided-circuit")).ToHaveCountAsync(1);
        await author.GetByRole(AriaRole.Button, new() { Name = "Add a claim" }).ClickAsync();
        var claim = author.GetByTestId("claim-0");
        await claim.Locator("#g-claims-0-method").SelectOptionAsync("superposition");
        await claim.Locator("[data-param=sparsity_index]").FillAsync("0");
        await claim.Locator("#g-claims-0-key").FillAsync("dense-at-most-five");
        await claim.Locator("#g-claims-0-statement").FillAsync("With dense features the model represents at most 5 of the 20 features");
        await claim.Locator("#g-claims-0-targets").FillAsync("S=0");
        await claim.Locator("#g-claims-0-comparison").SelectOptionAsync("AtMost");
        await claim.Locator("#g-claims-0-expected").FillAsync("5");
        await author.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await author.WaitForURLAsync(new Regex($"/submissions/guided\\?slug={Slug}#checks$"));
        var check = author.GetByTestId("check-dense-at-most-five");
        try
        {
            await Assertions.Expect(check.GetByTestId("run-live-verdict")).ToHaveTextAsync("supported", WorkerWait);
        }
        catch (PlaywrightException ex)
        {
            Assert.Fail($"{ex.Message}\nWorker output:\n{worker.Output}");
        }
        await author.GetByRole(AriaRole.Button, new() { Name = "Submit for review" }).ClickAsync();
        await author.WaitForURLAsync(new Regex($"/specimens/{Slug}"));

        // The reviewer finds it in the queue and asks for changes; the author revises and asks again.
        var reviewer = await reviewerContext.NewPageAsync();
        await reviewer.GotoAsync("/account/sign-in");
        await reviewer.Locator("#email").FillAsync("rita@example.org");
        await reviewer.Locator("#password").FillAsync(AccountTestData.Password);
        await reviewer.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await reviewer.WaitForURLAsync(new Regex("^(?!.*sign-in)"));
        await reviewer.GotoAsync("/review");
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Link, new() { Name = "Dense toy superposition" })).ToBeVisibleAsync();
        await ReviewStepAsync(reviewer, "Request changes", "Say which features are represented.");
        await ReviseAsync(author, "# Findings\n\nAt most five features are represented: those with the largest importance.\n");
        await ReviewStepAsync(author, "Submit for review");
        await ReviewStepAsync(reviewer, "Publish");

        // Readers find it in the library with its claim's verdict.
        var reader = await readerContext.NewPageAsync();
        await reader.GotoAsync("/library");
        var card = reader.Locator("li.specimen-card", new() { Has = reader.GetByRole(AriaRole.Link, new() { Name = "Dense toy superposition" }) });
        await Assertions.Expect(card.Locator(".badge-supported")).ToHaveTextAsync("supported");

        // A later revision is proposed, published the same way, and shows what changed.
        await ReviseAsync(author, "# Findings\n\nAt most five features are represented: those with the largest importance.\n\nSparser inputs let more in.\n");
        await reader.GotoAsync($"/specimens/{Slug}");
        await Assertions.Expect(reader.Locator("main")).Not.ToContainTextAsync("Sparser inputs let more in.");
        await ReviewStepAsync(author, "Submit for review");
        await ReviewStepAsync(reviewer, "Publish revision 3");
        await reader.GotoAsync($"/specimens/{Slug}/revisions/3/diff");
        await Assertions.Expect(reader.Locator("body")).ToContainTextAsync("Sparser inputs let more in.");
    }
}
