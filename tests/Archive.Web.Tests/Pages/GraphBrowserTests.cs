using System.Globalization;
using System.Text.Json;
using Archive.Web.Graphs;
using Archive.Web.Tests.Graphs;
using Archive.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// Real circuit-tracer graphs drawn in Chromium: dollar.json (829 nodes, 40,249 links) becomes interactive, a hovered
/// node shows its panel and links, the threshold prunes links; gemma-small-big's pinned subgraph shows its supernodes;
/// the embeddable view draws inside another site's frame. Timings are printed, never asserted.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class GraphBrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private const string Ready = ".graph-view[data-state=ready]";
    private IBrowserContext context = null!;
    private IPage page = null!;
    private readonly List<string> scriptErrors = [];

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = archive.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        page = await context.NewPageAsync();
        page.PageError += (_, error) => scriptErrors.Add(error);
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    private static int IntAttribute(string? value) => int.Parse(value ?? "-1", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Dollar_draws_hovers_a_node_into_the_panel_and_prunes_links_by_threshold()
    {
        var id = await GraphUploads.UploadInteropAsync(archive, "dollar.json");
        using var file = GraphUploads.ReadInterop("dollar.json");
        var dollar = file.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("node_id").GetString() == "16_1778_3");

        await page.GotoAsync($"/graphs/{id}");
        var view = page.Locator(Ready);
        await Assertions.Expect(view).ToHaveCountAsync(1);

        // Interactive time: performance.now() when drawing finished, counted from navigation start (as Chromium runs
        // here, on a shared 2-core machine). Printed for the record, not asserted.
        var readyMs = IntAttribute(await view.GetAttributeAsync("data-ready-ms"));
        var domContentLoaded = await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd");
        Report($"dollar.json (829 nodes, 40,249 links): interactive {readyMs} ms after navigation start (DOMContentLoaded {domContentLoaded:0} ms; {await view.GetAttributeAsync("data-timing")})");

        Assert.Equal(829, await page.Locator(".graph-svg .gnode").CountAsync());
        var drawnAtFirst = IntAttribute(await view.GetAttributeAsync("data-drawn-links"));
        Assert.InRange(drawnAtFirst, 1, 40_249);

        // Hover: the panel shows the node, its links are drawn by sign, everything else dims.
        await page.Locator(".graph-svg .gnode[data-id='16_1778_3']").HoverAsync();
        await Assertions.Expect(page.Locator(".graph-panel-title")).ToHaveTextAsync(dollar.GetProperty("clerp").GetString()!);
        await Assertions.Expect(page.Locator(".graph-panel")).ToContainTextAsync("cross layer transcoder");
        await Assertions.Expect(page.Locator(".graph-panel")).ToContainTextAsync($"{dollar.GetProperty("feature").GetInt64()} = L16 #1778");
        Assert.True(IntAttribute(await view.GetAttributeAsync("data-highlighted-links")) > 0, "no highlighted links");
        await Assertions.Expect(page.Locator("canvas.graph-links")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-dimmed"));
        Assert.True(await page.Locator(".graph-svg .gnode.is-linked").CountAsync() > 0);
        await Assertions.Expect(page.Locator(".graph-panel h4").First).ToContainTextAsync("Strongest inputs");

        // Moving away clears the highlight.
        await page.Mouse.MoveAsync(2, 2);
        await Assertions.Expect(view).ToHaveAttributeAsync("data-highlighted-links", "0");

        // Keyboard: focusing a node does the same; arrow keys move a layer up, Enter keeps the node in the panel.
        await page.Locator(".graph-svg .gnode[data-id='16_1778_3']").FocusAsync();
        await Assertions.Expect(page.Locator(".graph-panel-title")).ToHaveTextAsync(dollar.GetProperty("clerp").GetString()!);
        Assert.True(IntAttribute(await view.GetAttributeAsync("data-highlighted-links")) > 0, "focus highlighted no links");
        await page.Keyboard.PressAsync("ArrowUp");
        var above = await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('data-id')");
        Assert.Matches("^(17_\\d+|0_17)_3$", above); // the next layer up at the same position (errors are 0_{layer}_{pos})
        await Assertions.Expect(page.Locator(".graph-panel code").First).ToHaveTextAsync(above);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator($".graph-svg .gnode[data-id='{above}']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page.Locator($".graph-svg .gnode[data-id='{above}']")).ToHaveAttributeAsync("tabindex", "0");

        // The threshold: to its strictest end, far fewer links.
        var threshold = page.Locator("input.graph-threshold-input");
        await threshold.FocusAsync();
        await page.Keyboard.PressAsync("End");
        await Assertions.Expect(view).Not.ToHaveAttributeAsync("data-drawn-links", drawnAtFirst.ToString(CultureInfo.InvariantCulture));
        var drawnAtEnd = IntAttribute(await view.GetAttributeAsync("data-drawn-links"));
        Assert.InRange(drawnAtEnd, 1, drawnAtFirst - 1);
        await Assertions.Expect(page.Locator(".graph-threshold-value")).ToContainTextAsync($"{drawnAtEnd} of 40,249 links");
        Assert.True(await page.Locator(".graph-svg .gnode.is-pruned").CountAsync() > 0, "no node faded with its links pruned");
        // Embeddings and logits stay.
        Assert.Equal(0, await page.Locator(".graph-svg .gnode.kind-logit.is-pruned, .graph-svg .gnode.kind-embedding.is-pruned").CountAsync());

        Assert.Empty(scriptErrors);
    }

    [Fact]
    public async Task The_pinned_subgraph_shows_the_supernodes_as_named_groups()
    {
        const string File = "gemma-small-big-en_2025-11-13T10-16-02-770Z.json";
        var id = await GraphUploads.UploadInteropAsync(archive, File);
        using var file = GraphUploads.ReadInterop(File);
        var q = file.RootElement.GetProperty("qParams");
        var supernodes = q.GetProperty("supernodes").EnumerateArray().Select(s => s.EnumerateArray().Select(x => x.GetString()!).ToList()).ToList();
        var shown = q.GetProperty("pinnedIds").EnumerateArray().Select(p => p.GetString()!).Concat(supernodes.SelectMany(s => s.Skip(1))).Distinct().Count();

        // From the list by a link: Blazor's enhanced navigation runs no scripts of the new page, so site.js mounts the drawing.
        await page.GotoAsync("/graphs");
        await page.ClickAsync($"a[href='/graphs/{id}']");
        await page.WaitForURLAsync($"**/graphs/{id}");
        await Assertions.Expect(page.Locator(Ready)).ToHaveCountAsync(1);
        Report($"gemma-small-big: interactive {await page.Locator(Ready).GetAttributeAsync("data-ready-ms")} ms after the list page's navigation start (enhanced navigation)");
        await Assertions.Expect(page.Locator(".graph-svg .supernode-label")).ToHaveCountAsync(0);

        await page.ClickAsync(".graph-views button[data-view=subgraph]");

        await Assertions.Expect(page.Locator(".graph-view[data-view=subgraph]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".graph-views button[data-view=subgraph]")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Equal(5, supernodes.Count);
        await Assertions.Expect(page.Locator(".graph-svg .supernode-label")).ToHaveCountAsync(5);
        Assert.Equal(supernodes.Select(s => s[0]).Order(StringComparer.Ordinal),
            (await page.Locator(".graph-svg .supernode-label").AllTextContentsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(shown, await page.Locator(".graph-svg .gnode").CountAsync());
        Assert.True(IntAttribute(await page.Locator(Ready).GetAttributeAsync("data-drawn-links")) > 0, "no links among the pinned nodes");

        // Back to the full graph.
        await page.ClickAsync(".graph-views button[data-view=full]");
        await Assertions.Expect(page.Locator(".graph-svg .gnode")).ToHaveCountAsync(file.RootElement.GetProperty("nodes").GetArrayLength());
        Assert.Empty(scriptErrors);
    }

    [Fact]
    public async Task Feature_ids_decode_in_the_browser_as_on_the_server()
    {
        // bee-insect-clt has Cantor ids past 2³¹ (schema_version 1).
        var id = await GraphUploads.UploadInteropAsync(archive, "bee-insect-clt.json");
        using var file = GraphUploads.ReadInterop("bee-insect-clt.json");
        var features = file.RootElement.GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("feature_type").GetString() == "cross layer transcoder")
            .Select(n => n.GetProperty("feature").GetInt64()).Distinct().ToArray();
        Assert.Contains(features, f => f > int.MaxValue);

        await page.GotoAsync($"/graphs/{id}");
        await Assertions.Expect(page.Locator(Ready)).ToHaveCountAsync(1);
        var decoded = await page.EvaluateAsync<string[]>("""
            async (features) => {
              const { cantorUnpair } = await import('/js/graph-format.js');
              return features.map((f) => { const d = cantorUnpair(f); return `L${d.layer} #${d.index}`; });
            }
            """, features);

        Assert.Equal(features.Select(f => GraphFeatureIds.CantorUnpair(f)).Select(d => $"L{d.Layer} #{d.Index}"), decoded);
    }

    [Fact]
    public async Task The_embeddable_view_draws_inside_another_sites_frame()
    {
        var id = await GraphUploads.UploadInteropAsync(archive, "meow-clt.json");
        // localhost and 127.0.0.1 are different origins: the page at one frames the graph from the other. The framing
        // page stands for another site's, so it is not one of the archive's pages, whose policy frames only the archive.
        var host = new UriBuilder(archive.BaseAddress) { Host = "localhost" }.Uri;
        await page.GotoAsync(new Uri(host, "/health").ToString());
        await page.EvaluateAsync("""
            (src) => {
              const frame = document.createElement('iframe');
              frame.src = src;
              frame.width = 900;
              frame.height = 700;
              document.body.appendChild(frame);
            }
            """, new Uri(archive.BaseAddress, $"/graphs/{id}?embed=true").ToString());

        var embedded = page.FrameLocator("iframe");
        await Assertions.Expect(embedded.Locator(Ready)).ToHaveCountAsync(1);
        await Assertions.Expect(embedded.Locator(".site-header")).ToHaveCountAsync(0);
        Assert.True(await embedded.Locator(".graph-svg .gnode").CountAsync() > 0);
    }

    private static void Report(string message)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(message);
        TestContext.Current.SendDiagnosticMessage(message);
    }
}
