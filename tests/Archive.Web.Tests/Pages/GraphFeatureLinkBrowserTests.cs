using System.Net.Http.Json;
using System.Text.Json;
using Archive.Data.Circuits;
using Archive.Web.Circuits;
using Archive.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>A graph node whose feature is in one of the archive's dictionaries links to that feature's page from the node panel.</summary>
[Collection(BrowserCollection.Name)]
public sealed class GraphFeatureLinkBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IBrowserContext context = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        await DictionaryTestData.SaveAsync(db, DictionaryTestData.NewDictionary(ArchiveTestData.NewModel()));
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = archive.BaseAddress.ToString() });
        context.SetDefaultTimeout(30_000);
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    [Fact]
    public async Task An_exported_feature_node_links_to_its_feature_page_and_others_do_not()
    {
        var circuit = new CircuitDocument("quotes", "Quotes", "", "He said \"Hi", ["He", " said", " \"", "Hi"],
        [
            new CircuitNodeDocument("emb", "embed", null, null, null, 0, "Embedding", "", null, null, null),
            new CircuitNodeDocument("f1", "feature", 1, null, 1, 2, "Opening quote", "", new CircuitFeatureLink("attn-2l-resid1-topk", 1), 2.5, 0.4),
            new CircuitNodeDocument("f9", "feature", 1, null, 9, 2, "Elsewhere", "", new CircuitFeatureLink("another-archives-sae", 9), 1.0, 0.2),
            new CircuitNodeDocument("out", "logit", null, null, null, 3, "Hi (p=0.5)", "", null, null, null),
        ],
        [new CircuitEdgeDocument("emb", "f1", 0.5, "attribution"), new CircuitEdgeDocument("f1", "out", 0.7, "attribution"), new CircuitEdgeDocument("f9", "out", 0.1, "attribution")]);
        // A model the archive does not hold: nodes link only by the dictionary an export names (not by layer).
        var graph = AttributionGraph.Export(circuit, "quotes", "someone-elses-model", null, [], false);
        using var client = archive.CreateClient();
        using var uploaded = await client.PostAsync("/api/v1/graphs", new StringContent(graph.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), Ct);
        var id = (await uploaded.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/graphs/{id}");
        await Assertions.Expect(page.Locator(".graph-view[data-state=ready]")).ToHaveCountAsync(1);
        await page.Locator(".graph-svg .gnode[data-id='f1']").FocusAsync();
        await Assertions.Expect(page.Locator(".graph-panel-feature a")).ToHaveAttributeAsync("href", "/dictionaries/attn-2l-resid1-topk/features/1");
        await page.Locator(".graph-svg .gnode[data-id='f9']").FocusAsync();
        await Assertions.Expect(page.Locator(".graph-panel-title")).ToHaveTextAsync("Elsewhere");
        await Assertions.Expect(page.Locator(".graph-panel-feature")).ToHaveCountAsync(0);
    }
}
