using System.Net;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Revisions;

public sealed class RevisionDiffPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string DiffPath = $"/specimens/{RevisionTestData.Slug}/revisions/2/diff";

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string> GetOkAsync(string url)
    {
        using var response = await archive.CreateClient().GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    [Fact]
    public async Task Shows_the_summary_writeup_hunks_and_circuit_and_claim_changes()
    {
        await RevisionTestData.SeedAsync(archive);

        var html = WebUtility.HtmlDecode(await GetOkAsync(DiffPath));

        Assert.Contains("<h1 id=\"diff-title\">Changes from revision 1 to revision 2</h1>", html);
        Assert.Contains("Writeup</a>: 5 lines added, 1 line removed", html);
        Assert.Contains("Claims</a>: 1 added, 1 removed, 1 changed", html);
        // The writeup as one hunk; each changed line marked by a sign, words for screen readers and ins/del, not colour alone.
        Assert.Contains("<caption><code>@@ -1,5 +1,9 @@</code></caption>", html);
        Assert.Contains("<span aria-hidden=\"true\">−</span><span class=\"visually-hidden\">removed</span></td>", html);
        Assert.Contains("<td class=\"diff-text\"><del>Does the model copy?</del></td>", html);
        Assert.Contains("<span aria-hidden=\"true\">+</span><span class=\"visually-hidden\">added</span></td>", html);
        Assert.Contains("<td class=\"diff-text\"><ins>Does the model copy repeated tokens?</ins></td>", html);
        Assert.Contains("<td class=\"diff-ln\">3</td>", html);
        // Circuit: a relabelled node, an added one, a reweighted edge.
        Assert.Contains("<code>label</code>:", html);
        Assert.Contains("<del title=\"Before\">Induction head 1.4</del>", html);
        Assert.Contains("<ins title=\"After\">Induction head (layer 1, head 4)</ins>", html);
        Assert.Contains("<code>L1H5</code>", html);
        Assert.Contains("<del title=\"Before\">0.31</del>", html);
        Assert.Contains("<ins title=\"After\">0.45</ins>", html);
        // Claims: the threshold changed, the reordered parameters did not; one added, one removed.
        Assert.Contains("<del title=\"Before\">0.6</del>", html);
        Assert.Contains("<ins title=\"After\">0.7</ins>", html);
        Assert.DoesNotContain("<code>parameters</code>", html);
        Assert.Contains("href=\"/specimens/induction-2l/revisions/2#claim-copying\"", html);
        Assert.Contains("href=\"/specimens/induction-2l/revisions/1#claim-previous-token-head\"", html);
        Assert.Contains("diff-tag-removed", html);
    }

    [Fact]
    public async Task The_specimen_page_links_each_later_revision_to_its_diff()
    {
        await RevisionTestData.SeedAsync(archive);

        var html = await GetOkAsync($"/specimens/{RevisionTestData.Slug}");

        Assert.Contains($"href=\"{DiffPath}\"", html);
        Assert.DoesNotContain("/revisions/1/diff", html);
    }

    [Fact]
    public async Task Against_picks_the_baseline_revision()
    {
        await RevisionTestData.SeedAsync(archive);

        var html = await GetOkAsync($"/specimens/{RevisionTestData.Slug}/revisions/1/diff?against=2");

        Assert.Contains("Changes from revision 2 to revision 1", html);
        Assert.Contains("<td class=\"diff-text\"><del>Yes, through head 1.4.</del></td>", html);
    }

    [Theory]
    [InlineData(SpecimenStatus.Published, "/revisions/1/diff")]
    [InlineData(SpecimenStatus.Published, "/revisions/3/diff")]
    [InlineData(SpecimenStatus.Published, "/revisions/2/diff?against=7")]
    [InlineData(SpecimenStatus.Published, "/revisions/2/diff?against=one")]
    [InlineData(SpecimenStatus.Draft, "/revisions/2/diff")]
    public async Task Missing_or_unseen_revisions_are_the_not_found_page(SpecimenStatus status, string path)
    {
        await RevisionTestData.SeedAsync(archive, status);

        using var response = await archive.CreateClient().GetAsync($"/specimens/{RevisionTestData.Slug}{path}", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", html);
        Assert.DoesNotContain(RevisionTestData.Title, html);
    }
}
