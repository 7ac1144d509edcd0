using System.Net;
using Archive.Data.Evidence;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

/// <summary>
/// Feature and evidence pages have an embeddable view, as graphs do: no site chrome, framable by any site, links opening
/// a new tab (site.js), and no forms (another site's frame carries no session to post them with).
/// </summary>
public sealed class EmbedViewTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid runId;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
        var claim = await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId, Ct);
        var run = ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.91);
        db.EvidenceRuns.Add(run);
        await db.SaveChangesAsync(Ct);
        runId = run.Id;
        await DictionaryTestData.SaveAsync(db, DictionaryTestData.NewDictionary(specimen.Model));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_evidence_embed_drops_the_chrome_and_the_forms_and_may_be_framed_anywhere()
    {
        using var client = archive.CreateClient();

        using var page = await client.GetAsync($"/evidence/{runId}", Ct);
        using var embed = await client.GetAsync($"/evidence/{runId}?embed=true", Ct);
        var pageHtml = await page.Content.ReadAsStringAsync(Ct);
        var embedHtml = await embed.Content.ReadAsStringAsync(Ct);

        Assert.Contains("site-header", pageHtml);
        Assert.Contains("rerun-form", pageHtml);
        Assert.Contains("?embed=true", pageHtml);
        Assert.DoesNotContain("site-header", embedHtml);
        Assert.DoesNotContain("<form", embedHtml);
        Assert.Contains("class=\"embed\"", embedHtml);
        Assert.Contains("frame-ancestors *", embed.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(embed.Headers.Contains("X-Frame-Options"));
        Assert.Contains("frame-ancestors 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task The_feature_embed_drops_the_chrome_and_may_be_framed_anywhere()
    {
        using var client = archive.CreateClient();
        const string path = "/dictionaries/attn-2l-resid1-topk/features/1";

        using var embed = await client.GetAsync(path + "?embed=true", Ct);
        var html = await embed.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, embed.StatusCode);
        Assert.DoesNotContain("site-header", html);
        Assert.Contains("plural nouns", html);
        Assert.Contains("frame-ancestors *", embed.Headers.GetValues("Content-Security-Policy").Single());
    }
}
