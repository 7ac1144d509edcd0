using System.Net;
using Archive.Data.Models;
using Archive.Data.Specimens;
using Archive.Web.Library;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Pages;

public sealed class LibraryPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<Model> SeedAsync()
    {
        await using var db = archive.CreateDbContext();
        var attn = ArchiveTestData.NewModel("attn-only-2l");
        var gelu = ArchiveTestData.NewModel("gelu-4l");
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var induction = ArchiveTestData.NewSpecimen(attn, "induction-2l", "Induction heads in a two-layer model",
            summary: "A previous-token head and an induction head copy repeated tokens.",
            tags: ["induction", "k-composition"], techniques: ["attention-patterns", "ablation"], publishedAt: t0.AddDays(1));
        induction.ClaimStatus = ClaimStatus.Supported;
        var names = ArchiveTestData.NewSpecimen(gelu, "name-movers", "Name mover heads",
            summary: "Layer-3 heads copy the indirect object.", writeup: "## Setup\n\nIndirect object identification prompts.",
            tags: ["ioi"], techniques: ["activation-patching"], publishedAt: t0.AddDays(2));
        names.ClaimStatus = ClaimStatus.Refuted;
        var superposition = ArchiveTestData.NewSpecimen(attn, "superposition", "Superposition in a toy model",
            summary: "Five features in two dimensions form a pentagon; no induction here.", writeup: "## Pentagon",
            tags: ["superposition"], techniques: ["superposition"], publishedAt: t0.AddDays(3));
        var draft = ArchiveTestData.NewSpecimen(attn, "draft-induction", "Draft induction notes", status: SpecimenStatus.Draft);
        var review = ArchiveTestData.NewSpecimen(attn, "review-induction", "Induction under review", status: SpecimenStatus.InReview);

        foreach (var s in new[] { induction, names, superposition, draft, review })
            await ArchiveTestData.SaveAsync(db, s);
        return attn;
    }

    [Fact]
    public async Task Lists_published_specimens_only_newest_first()
    {
        await SeedAsync();

        var html = await archive.CreateClient().GetStringAsync("/library");

        Assert.Contains("3 specimens", html);
        var order = new[] { "Superposition in a toy model", "Name mover heads", "Induction heads in a two-layer model" }
            .Select(t => html.IndexOf(t, StringComparison.Ordinal)).ToList();
        Assert.All(order, i => Assert.True(i >= 0));
        Assert.Equal(order.Order(), order);
        Assert.DoesNotContain("Draft induction notes", html);
        Assert.DoesNotContain("Induction under review", html);
    }

    [Fact]
    public async Task Search_ranks_title_matches_first_and_keeps_the_query_in_the_form()
    {
        await SeedAsync();

        var html = await archive.CreateClient().GetStringAsync("/library?q=induction");

        Assert.Contains("2 specimens", html);
        Assert.True(html.IndexOf("Induction heads in a two-layer model", StringComparison.Ordinal)
            < html.IndexOf("Superposition in a toy model", StringComparison.Ordinal));
        Assert.DoesNotContain("Name mover heads", html);
        Assert.Contains("value=\"induction\"", html);
        Assert.DoesNotContain("Draft induction notes", html);
    }

    [Fact]
    public async Task Filters_combine_and_are_carried_in_the_url()
    {
        await SeedAsync();
        var client = archive.CreateClient();

        var byModel = await client.GetStringAsync("/library?model=gelu-4l");
        var byTag = await client.GetStringAsync("/library?tag=k-composition");
        var byTechnique = await client.GetStringAsync("/library?technique=superposition");
        var byStatus = await client.GetStringAsync("/library?status=refuted");
        var combined = await client.GetStringAsync("/library?q=induction&model=attn-only-2l&status=Supported&sort=title");

        Assert.Contains("Name mover heads", byModel);
        Assert.DoesNotContain("Induction heads in a two-layer model", byModel);
        Assert.Matches(@"\b1 specimen(?!s)", byTag);
        Assert.Contains("Induction heads in a two-layer model", byTag);
        Assert.Contains("Superposition in a toy model", byTechnique);
        Assert.DoesNotContain("Induction heads in a two-layer model", byTechnique);
        Assert.Contains("Name mover heads", byStatus);
        Assert.DoesNotContain("Superposition in a toy model", byStatus);
        Assert.Contains("Induction heads in a two-layer model", combined);
        Assert.DoesNotContain("Superposition in a toy model", combined);
        // Removing one filter keeps the others.
        Assert.Contains("href=\"/library?q=induction&amp;model=attn-only-2l&amp;sort=title\"", combined);
    }

    [Fact]
    public async Task Empty_results_explain_what_to_try()
    {
        await SeedAsync();

        var html = await archive.CreateClient().GetStringAsync("/library?q=transcoder+zebra&tag=ioi");

        Assert.Contains("No specimens found", html);
        Assert.Contains("Nothing matches “transcoder zebra” with these filters.", html);
        Assert.Contains("href=\"/library?q=transcoder&amp;tag=ioi\"", html);
        Assert.Contains("Search without the filters", html);
    }

    [Fact]
    public async Task An_empty_archive_says_so()
    {
        var html = await archive.CreateClient().GetStringAsync("/library");

        Assert.Contains("No specimen has been published yet", html);
    }

    [Fact]
    public async Task Pages_hold_twenty_with_previous_and_next_links()
    {
        await using (var db = archive.CreateDbContext())
        {
            var model = ArchiveTestData.NewModel();
            var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            for (var i = 1; i <= 25; i++)
                await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, $"survey-{i:00}", $"Survey {i:00}", publishedAt: t0.AddDays(i)));
        }
        var client = archive.CreateClient();

        var first = await client.GetStringAsync("/library");
        var second = await client.GetStringAsync("/library?page=2");
        var beyond = await client.GetStringAsync("/library?page=9");

        Assert.Contains("25 specimens", first);
        Assert.Contains("showing 1–20", first);
        Assert.Contains("Survey 25", first);
        Assert.DoesNotContain("Survey 05", first);
        Assert.Contains("rel=\"next\" href=\"/library?page=2\"", first);
        Assert.Contains("showing 21–25", second);
        Assert.Contains("Survey 05", second);
        Assert.Contains("rel=\"prev\" href=\"/library\"", second);
        Assert.Contains("There is no page 9", beyond);
    }

    [Fact]
    public async Task Query_returns_items_total_and_disjunctive_facets()
    {
        await SeedAsync();
        await using var db = archive.CreateDbContext();

        var page = await LibraryQuery.RunAsync(db, new LibraryFilter(Model: "attn-only-2l"), TestContext.Current.CancellationToken);

        Assert.Equal(2, page.Total);
        Assert.Equal(["superposition", "induction-2l"], page.Items.Select(i => i.Slug));
        // The model facet ignores the model filter, so the other model stays visible with its count.
        Assert.Contains(page.Facets.Models, f => f.Value == "gelu-4l" && f.Count == 1);
        Assert.Contains(page.Facets.Models, f => f.Value == "attn-only-2l" && f.Count == 2);
        Assert.Contains(page.Facets.Tags, f => f.Value == "induction" && f.Count == 1);
        Assert.DoesNotContain(page.Facets.Tags, f => f.Value == "ioi");
        Assert.Equal(1, page.Facets.Statuses.Single(f => f.Value == "Supported").Count);
        Assert.Equal(1, page.Facets.Statuses.Single(f => f.Value == "Unverified").Count);
        Assert.Equal(2, page.Items.Single(i => i.Slug == "induction-2l").ClaimCount);
    }

    [Fact]
    public async Task Unknown_filter_values_are_ignored_rather_than_failing()
    {
        await SeedAsync();

        var response = await archive.CreateClient().GetAsync("/library?status=bogus&sort=sideways&page=-3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("3 specimens", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
