using System.Net;
using Archive.Data.Evidence;
using Archive.Formats.Claims;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

/// <summary>The methods page (docs/evidence-methods.md as the site shows it) and the links evidence pages make into it.</summary>
public sealed class MethodsPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> GetOkAsync(string url)
    {
        using var client = archive.CreateClient();
        var response = await client.GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    [Fact]
    public async Task Every_method_a_claim_can_name_has_a_section_anchored_by_its_name()
    {
        var html = await GetOkAsync("/methods");

        // The document's title is the page's heading, once; its sections stay level-2 headings with GitHub-style ids.
        Assert.Contains("<h1 id=\"methods-title\">Evidence methods</h1>", html);
        Assert.DoesNotContain("<h2 id=\"evidence-methods\"", html);
        foreach (var method in ClaimMethods.All.Select(m => m.Name))
        {
            Assert.Contains($"<h2 id=\"{method}\">", html);
            Assert.Contains($"<a href=\"#{method}\">", html); // in the table of contents
        }
        Assert.Contains("id=\"the-evidence-record\"", html);
        Assert.Contains("href=\"/methods\"", html); // the site's footer
    }

    [Fact]
    public async Task An_evidence_page_links_its_method_to_the_method_s_section()
    {
        await using (var db = archive.CreateDbContext())
        {
            var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction-2l", "Induction heads"));
            var claim = await db.Claims.SingleAsync(c => c.RevisionId == specimen.CurrentRevisionId && c.Key == "induction-head", Ct);
            var run = ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.71);
            db.EvidenceRuns.Add(run);
            await db.SaveChangesAsync(Ct);

            var html = await GetOkAsync($"/evidence/{run.Id}");

            Assert.Contains("<a href=\"/methods#induction_score\"", html);
            var methods = await GetOkAsync("/methods");
            Assert.Contains("<h2 id=\"induction_score\">", methods);
        }
    }
}
