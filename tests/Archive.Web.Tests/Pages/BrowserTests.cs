using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Archive.Web.Tests.Pages;

/// <summary>The pages in a real browser: search, filter, open a specimen, see KaTeX and code highlighting, trace a circuit.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserTests(ArchiveFixture archive, BrowserFixture browser) : IAsyncLifetime
{
    private const string Writeup = """
        ## Mechanism

        Head 0.1 K-composes with head 1.4:

        $$
        \text{score}(h) = \frac{1}{T}\sum_{t} A^{h}_{t,\,t-L+1}
        $$

        Inline too: $A^h$.

        ```python
        pattern = cache["blocks.1.attn.hook_pattern"]
        ```
        """;

    private IBrowserContext context = null!;
    private IPage page = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using (var db = archive.CreateDbContext())
        {
            var model = ArchiveTestData.NewModel();
            await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, "induction-2l", "Induction heads in a two-layer model",
                writeup: Writeup, tags: ["induction"], techniques: ["attention-patterns"]));
            var other = ArchiveTestData.NewSpecimen(model, "superposition", "Superposition in a toy model",
                writeup: "## Pentagon", tags: ["superposition"], techniques: ["superposition"]);
            other.ClaimStatus = ClaimStatus.Refuted;
            await ArchiveTestData.SaveAsync(db, other);
        }

        context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = archive.BaseAddress.ToString(),
        });
        context.SetDefaultTimeout(15_000);
        page = await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    [Fact]
    public async Task Search_filter_and_open_a_specimen_with_rendered_math_and_code()
    {
        await page.GotoAsync("/library");
        await Assertions.Expect(page.Locator(".specimen-card")).ToHaveCountAsync(2);

        // Search: the GET form puts the query in the address.
        await page.FillAsync("#library-q", "induction");
        await page.ClickAsync(".library-filters button[type=submit]");
        await page.WaitForURLAsync("**/library?q=induction**");
        await Assertions.Expect(page.Locator(".specimen-card")).ToHaveCountAsync(1);

        // Filter: choosing a claim status submits the form (site.js) and keeps the query.
        await page.GotoAsync("/library");
        await page.CheckAsync("input[name=status][value=Refuted]");
        await page.WaitForURLAsync("**status=Refuted**");
        await Assertions.Expect(page.Locator(".specimen-card h3")).ToHaveTextAsync("Superposition in a toy model");

        // Open a specimen from the library.
        await page.GotoAsync("/library?q=induction");
        await page.ClickAsync("text=Induction heads in a two-layer model");
        await page.WaitForURLAsync("**/specimens/induction-2l");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Induction heads in a two-layer model");

        // KaTeX typeset both formulas; highlight.js marked up the code.
        await Assertions.Expect(page.Locator("#writeup .math .katex").First).ToBeVisibleAsync();
        Assert.Equal(2, await page.Locator("#writeup .math .katex").CountAsync());
        await Assertions.Expect(page.Locator("#writeup .katex-display")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#writeup pre code.hljs .hljs-string").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Hovering_or_focusing_a_circuit_node_highlights_its_edges_and_dims_the_rest()
    {
        await page.GotoAsync("/specimens/induction-2l");
        var svg = page.Locator("svg.circuit-svg");
        var node = page.Locator("svg.circuit-svg a.node[data-node=L0H1]");
        var incoming = page.Locator("svg.circuit-svg .edge[data-source=embed][data-target=L0H1]");
        var outgoing = page.Locator("svg.circuit-svg .edge[data-source=L0H1][data-target=L1H4]");
        var unrelated = page.Locator("svg.circuit-svg .edge[data-source=L1H4][data-target=logits]");

        await node.HoverAsync();

        await Assertions.Expect(svg).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-highlighting"));
        await Assertions.Expect(incoming).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-active"));
        await Assertions.Expect(outgoing).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-active"));
        await Assertions.Expect(unrelated).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-active"));
        await Assertions.Expect(page.Locator("svg.circuit-svg a.node[data-node=L1H4]")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-linked"));
        Assert.True(double.Parse(await unrelated.EvaluateAsync<string>("e => getComputedStyle(e).opacity"), System.Globalization.CultureInfo.InvariantCulture) < 0.5);

        await page.Mouse.MoveAsync(0, 0);
        await Assertions.Expect(svg).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-highlighting"));

        // Keyboard: focusing the node does the same, and following it filters the claims.
        await page.Locator("svg.circuit-svg a.node[data-node=L1H4]").FocusAsync();
        await Assertions.Expect(unrelated).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-active"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**component=L1H4**");
        await Assertions.Expect(page.Locator("table.claims tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".filter-note")).ToContainTextAsync("L1H4");
    }

    [Fact]
    public async Task Math_is_typeset_again_after_enhanced_navigation()
    {
        await page.GotoAsync("/library");
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.Blazor === 'object'"), "_framework/blazor.web.js did not load.");

        // A link click inside the app is an enhanced navigation: Blazor patches the DOM without a full load.
        await page.ClickAsync("text=Induction heads in a two-layer model");
        await page.WaitForURLAsync("**/specimens/induction-2l");

        await Assertions.Expect(page.Locator("#writeup .math .katex").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#writeup pre code.hljs")).ToHaveCountAsync(1);
    }
}
