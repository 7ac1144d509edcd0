using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// Re-checking a claim in a real browser while a real worker process computes it: the page's live island shows the run's
/// place in the queue, then the worker's step, then the verdict, in the same document (no reload). The claim is the
/// shipped toy-superposition one, on the shipped model file, so the worker runs it in a moment on the CPU.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EvidenceLiveBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private const string Bundle = "toy-models-of-superposition-20-in-5";
    private const string ClaimKey = "dense-represents-at-most-m";

    /// <summary>The worker's first start loads .NET and libtorch: generous, since nothing here measures speed.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions WorkerWait = new() { Timeout = 90_000 };

    private IBrowserContext context = null!;
    private IPage page = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        page = await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    /// <summary>The published worker's folder; without one the test is reported as skipped, never as passed.</summary>
    private static string WorkerFolderOrSkip()
    {
        var folder = PublishedWorker.Folder;
        Assert.SkipWhen(folder is null, $"{PublishedWorker.PublishVariable} is not set: this test needs a published worker (.ci/test publishes one).");
        return folder!;
    }

    /// <summary>The shipped superposition specimen's model file in the blob store, one of its claims, and a finished run
    /// of it (so the claim has an evidence page with a re-run button).</summary>
    private async Task<EvidenceRun> SeedAsync()
    {
        var weights = await File.ReadAllBytesAsync(ShippedBundles.File(Bundle, "model.safetensors"));
        var sha = await archive.StoreFileAsync(weights);
        await using var db = archive.CreateDbContext();
        var model = ArchiveTestData.NewModel("toy-superposition-20-5");
        model.Architecture = "toy-superposition"; // the worker reads the family's shape from the file itself
        model.Sha256 = sha.Hex;
        model.SizeBytes = weights.Length;
        var specimen = ArchiveTestData.NewSpecimen(model, "toy-superposition", "Superposition in a toy model", tags: ["superposition"], techniques: ["weight-analysis"]);
        var revision = specimen.Revisions.Single();
        revision.Circuits = [];
        // As in the bundle's specimen.json.
        revision.Claims =
        [
            new Claim
            {
                Key = ClaimKey,
                Statement = "With dense features (S = 0) the model represents at most 5 of the 20 features",
                Method = "superposition",
                Targets = ["S=0"],
                Parameters = JsonDocument.Parse("""{"sparsity_index":0,"measure":"represented_count"}"""),
                Comparison = ClaimComparison.AtMost,
                Expected = 5,
                Tolerance = 0,
            },
        ];
        await ArchiveTestData.SaveAsync(db, specimen);
        var run = ArchiveTestData.FinishedRun(revision.Claims.Single(), EvidenceVerdict.Supported, 5, DateTimeOffset.UtcNow.AddMinutes(-5));
        db.EvidenceRuns.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    /// <summary>Marks the document, so that a reload (which would start a new one) shows as a missing mark.</summary>
    private Task MarkDocumentAsync() => page.EvaluateAsync("() => { window.archiveSameDocument = true; }");

    private async Task AssertSameDocumentAsync() =>
        Assert.True(await page.EvaluateAsync<bool>("() => window.archiveSameDocument === true"), "The page was reloaded.");

    [Fact]
    public async Task Rerunning_from_the_evidence_page_shows_the_queue_then_the_workers_step_then_the_verdict_without_a_reload()
    {
        var workerFolder = WorkerFolderOrSkip();
        var earlier = await SeedAsync();

        await page.GotoAsync($"/evidence/{earlier.Id}");
        await Assertions.Expect(page.GetByTestId("run-live")).ToHaveCountAsync(0); // a finished run has no island
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-run evidence" }).ClickAsync();
        await page.WaitForURLAsync(new Regex($"/evidence/(?!{earlier.Id})[0-9a-f-]{{36}}$"));
        await MarkDocumentAsync();

        var live = page.GetByTestId("run-live");
        await Assertions.Expect(live).ToHaveAttributeAsync("aria-live", "polite");
        await Assertions.Expect(live.GetByTestId("run-live-status")).ToHaveTextAsync("Queued: 1st in the queue");
        await Assertions.Expect(live.GetByTestId("run-live-progress")).ToBeVisibleAsync();
        // The island shows its verdict for a moment before the page refreshes into the full record: record every
        // verdict it shows rather than racing to see it.
        await page.EvaluateAsync("""
            () => {
                window.archiveIslandVerdicts = [];
                new MutationObserver(() => {
                    const verdict = document.querySelector('[data-testid=run-live-verdict]');
                    if (verdict) window.archiveIslandVerdicts.push(verdict.textContent.trim());
                }).observe(document.body, { childList: true, subtree: true, characterData: true });
            }
            """);

        // Hold the worker at its first step: its first read of the run joins the claim, which waits behind this lock
        // (the island reads evidence_runs alone, so it keeps going).
        await using (var hold = new NpgsqlConnection(archive.ConnectionString))
        {
            await hold.OpenAsync();
            await using var transaction = await hold.BeginTransactionAsync();
            await using (var lockClaims = new NpgsqlCommand("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE", hold, transaction))
            {
                await lockClaims.ExecuteNonQueryAsync();
            }
            using var worker = PublishedWorker.Start(archive, workerFolder);

            await Assertions.Expect(live.GetByTestId("run-live-status")).ToHaveTextAsync($"Running: {EvidencePhases.LoadingModel}", WorkerWait);
            await Assertions.Expect(live.GetByTestId("run-live-step")).ToHaveTextAsync($"step 1 of {EvidencePhases.Count}");
            await Assertions.Expect(live.GetByTestId("run-live-progress")).ToHaveAttributeAsync("value", "1");
            await Assertions.Expect(live.GetByTestId("run-live-progress")).ToHaveAttributeAsync("max", EvidencePhases.Count.ToString());

            await transaction.RollbackAsync();

            try
            {
                // The island shows the verdict, then refreshes the page in place into the full record.
                await Assertions.Expect(page.GetByTestId("evidence-verdict")).ToContainTextAsync("supported", new() { Timeout = 90_000 });
            }
            catch (PlaywrightException ex)
            {
                Assert.Fail($"{ex.Message}\nWorker output:\n{worker.Output}");
            }
        }
        await Assertions.Expect(page.Locator("[data-testid=evidence-verdict] .headline-value")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Assertions.Expect(page.GetByTestId("run-live")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#provenance")).ToContainTextAsync("web-tests"); // the worker's name: the whole record rendered
        Assert.Contains("supported", await page.EvaluateAsync<string[]>("() => window.archiveIslandVerdicts"));
        await AssertSameDocumentAsync();
    }

    [Fact]
    public async Task Rechecking_from_the_specimen_page_shows_each_claims_run_live_in_its_row()
    {
        var workerFolder = WorkerFolderOrSkip();
        await SeedAsync();

        await page.GotoAsync("/specimens/toy-superposition");
        var row = page.Locator($"#claim-{ClaimKey}");
        await Assertions.Expect(row.GetByTestId("run-live")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-check all claims" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/specimens/toy-superposition#claims$"));
        await MarkDocumentAsync();
        await Assertions.Expect(row.GetByTestId("run-live-status")).ToHaveTextAsync("Queued: 1st in the queue");

        using var worker = PublishedWorker.Start(archive, workerFolder);

        try
        {
            // In a claim row the island renders the verdict itself and stays.
            await Assertions.Expect(row.GetByTestId("run-live-verdict")).ToHaveTextAsync("supported", WorkerWait);
        }
        catch (PlaywrightException ex)
        {
            Assert.Fail($"{ex.Message}\nWorker output:\n{worker.Output}");
        }
        await Assertions.Expect(row.GetByTestId("run-live-headline")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Assertions.Expect(row.GetByTestId("run-live").GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", new Regex("^/evidence/[0-9a-f-]{36}$"));
        await AssertSameDocumentAsync();
    }
}
