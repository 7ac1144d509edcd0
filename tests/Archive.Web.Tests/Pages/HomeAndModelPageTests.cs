using System.Net;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

public sealed class HomeAndModelPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task SeedAsync()
    {
        await using var db = archive.CreateDbContext();
        var model = ArchiveTestData.NewModel("attn-only-2l");
        var other = ArchiveTestData.NewModel("unused-model");
        db.Models.Add(other);
        var featured = ArchiveTestData.NewSpecimen(model, "induction-2l", "Induction heads in a two-layer model");
        featured.Featured = true;
        var recent = ArchiveTestData.NewSpecimen(model, "previous-token", "Previous-token heads", publishedAt: DateTimeOffset.UtcNow.AddDays(1));
        var draft = ArchiveTestData.NewSpecimen(model, "draft", "Unpublished draft", status: SpecimenStatus.Draft);
        foreach (var s in new[] { featured, recent, draft })
            await ArchiveTestData.SaveAsync(db, s);

        var claim = await db.Claims.FirstAsync(c => c.RevisionId == featured.CurrentRevisionId && c.Key == "induction-head");
        db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.71));
        await db.SaveChangesAsync();
        await ClaimStatusRollup.RefreshAsync(db, featured.Id);
    }

    [Fact]
    public async Task Home_shows_counts_verdicts_featured_recent_and_the_references()
    {
        await SeedAsync();

        var html = await archive.CreateClient().GetStringAsync("/");

        Assert.Contains("<dt>Published specimens</dt><dd><a href=\"/library\">2</a></dd>", html);
        Assert.Contains("<dt>Models</dt><dd><a href=\"/models\">2</a></dd>", html);
        Assert.Contains("<dt>Claims</dt><dd>4</dd>", html);
        Assert.Contains("<dt>Evidence runs</dt><dd>1</dd>", html);
        Assert.Contains("Of 4 claims: 1 supported, 0 refuted, 0 errors, 3 unverified.", html);
        Assert.Contains("id=\"featured-heading\"", html);
        Assert.Contains("Induction heads in a two-layer model", html);
        Assert.Contains("Previous-token heads", html);
        Assert.DoesNotContain("Unpublished draft", html);
        Assert.Contains("A Mathematical Framework for Transformer Circuits", html);
        Assert.Contains("Elhage et al. (2021)", html);
        Assert.Contains("In-context Learning and Induction Heads", html);
        Assert.Contains("Olsson et al. (2022)", html);
        Assert.Contains("href=\"/library?status=Partial\"", html);
    }

    [Fact]
    public async Task Home_on_an_empty_archive_has_no_placeholder_cards()
    {
        var html = await archive.CreateClient().GetStringAsync("/");

        Assert.Contains("No specimen has been published yet.", html);
        Assert.DoesNotContain("id=\"featured-heading\"", html);
        Assert.DoesNotContain("Where the claims stand", html);
    }

    [Fact]
    public async Task Model_page_shows_architecture_config_weights_and_the_specimens_that_study_it()
    {
        await SeedAsync();

        var html = await archive.CreateClient().GetStringAsync("/models/attn-only-2l");

        Assert.Contains("<h1 id=\"model-title\">Model attn-only-2l</h1>", html);
        Assert.Contains("<th scope=\"row\"><code>n_layers</code></th><td><code>2</code></td>", html);
        Assert.Contains("<th scope=\"row\"><code>d_mlp</code></th><td><code>None</code></td>", html);
        Assert.Contains("<th scope=\"row\"><code>attn_only</code></th><td><code>True</code></td>", html);
        Assert.Contains("href=\"/api/v1/models/attn-only-2l/weights\"", html);
        Assert.Contains(new string('a', 64), html);
        Assert.Contains("164.1 KiB", html);
        Assert.Contains("href=\"/specimens/induction-2l\"", html);
        Assert.Contains("href=\"/specimens/previous-token\"", html);
        Assert.DoesNotContain("Unpublished draft", html);
        // The shape-defining keys come first.
        Assert.True(html.IndexOf("<code>n_layers</code>", StringComparison.Ordinal) < html.IndexOf("<code>act_fn</code>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Model_list_shows_every_model_with_its_specimen_count()
    {
        await SeedAsync();

        var html = await archive.CreateClient().GetStringAsync("/models");

        Assert.Contains("href=\"/models/attn-only-2l\"", html);
        Assert.Contains("href=\"/models/unused-model\"", html);
        Assert.Contains("<a href=\"/library?model=attn-only-2l\">2</a>", html);
    }

    [Fact]
    public async Task Model_with_no_specimens_says_so()
    {
        await SeedAsync();

        var response = await archive.CreateClient().GetAsync("/models/unused-model", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("No published specimen studies this model yet.", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
