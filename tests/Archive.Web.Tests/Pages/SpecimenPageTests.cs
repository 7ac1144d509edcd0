using System.Net;
using System.Text.RegularExpressions;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

public sealed class SpecimenPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Writeup = """
        ## Question

        Does head 1.4 copy? The score is $s = \frac{1}{T}\sum_t A_{t,t-1}$.

        ### Setup

        ```python
        pattern = cache["blocks.1.attn.hook_pattern"]
        ```
        """;

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<Specimen> SeedAsync(SpecimenStatus status = SpecimenStatus.Published, string writeup = Writeup)
    {
        await using var db = archive.CreateDbContext();
        var specimen = ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction-2l", "Induction heads in a two-layer model",
            writeup: writeup, tags: ["induction"], techniques: ["attention-patterns"], status: status);
        await ArchiveTestData.SaveAsync(db, specimen);
        return specimen;
    }

    private async Task<string> GetOkAsync(string url)
    {
        var response = await archive.CreateClient().GetAsync(url, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    [Fact]
    public async Task Shows_header_writeup_with_table_of_contents_circuit_claims_revisions_and_model()
    {
        await SeedAsync();

        var html = await GetOkAsync("/specimens/induction-2l");

        Assert.Contains("<h1 id=\"specimen-title\">Induction heads in a two-layer model</h1>", html);
        Assert.Contains("<title>Induction heads in a two-layer model · Specimen Archive</title>", html);
        Assert.Contains("A specimen used by the tests.", html);
        Assert.Contains("Test Author", html);
        Assert.Contains("href=\"/library?tag=induction\"", html);
        Assert.Contains("href=\"/library?technique=attention-patterns\"", html);
        // Writeup and its contents
        Assert.Contains("<h2 id=\"question\">", html);
        Assert.Contains("<a href=\"#setup\">Setup</a>", html);
        Assert.Contains("<span class=\"math\">\\(s = \\frac{1}{T}\\sum_t A_{t,t-1}\\)</span>", html);
        Assert.Contains("<code class=\"language-python\">", html);
        // Circuit
        Assert.Contains("<svg class=\"circuit-svg\"", html);
        Assert.Contains("data-node=\"L1H4\"", html);
        Assert.Contains("href=\"/specimens/induction-2l?component=L1H4#claims\"", html);
        Assert.Contains("<caption>Edges of the circuit “Induction circuit”</caption>", html);
        // Claims
        Assert.Contains("Head 1.4 is an induction head: induction score ≥ 0.6", WebUtility.HtmlDecode(html));
        Assert.Contains("<code>induction_score</code>", html);
        Assert.Contains("≥ 0.6 ± 0.02", WebUtility.HtmlDecode(html));
        Assert.Contains("badge-unverified", html);
        // Revisions and model card
        Assert.Contains("href=\"/specimens/induction-2l/revisions/1\"", html);
        Assert.Contains("First version", html);
        Assert.Contains("href=\"/models/attn-only-2l\"", html);
        Assert.Contains("href=\"/api/v1/models/attn-only-2l/weights\"", html);
        Assert.Contains("<dt>d_model</dt><dd>64</dd>", html);
        Assert.Contains("aaaaaaaaaaaa…", html);
    }

    [Fact]
    public async Task Claims_show_their_latest_verdict_headline_and_evidence_link()
    {
        var specimen = await SeedAsync();
        Guid latestId;
        await using (var db = archive.CreateDbContext())
        {
            var claims = await db.Claims.Where(c => c.RevisionId == specimen.CurrentRevisionId).ToListAsync(TestContext.Current.CancellationToken);
            var induction = claims.Single(c => c.Key == "induction-head");
            var previous = claims.Single(c => c.Key == "previous-token-head");
            var old = ArchiveTestData.FinishedRun(induction, EvidenceVerdict.Refuted, 0.41, DateTimeOffset.UtcNow.AddDays(-2));
            var latest = ArchiveTestData.FinishedRun(induction, EvidenceVerdict.Supported, 0.7134, DateTimeOffset.UtcNow.AddDays(-1));
            var refuted = ArchiveTestData.FinishedRun(previous, EvidenceVerdict.Refuted, 0.12);
            db.EvidenceRuns.AddRange(old, latest, refuted);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await ClaimStatusRollup.RefreshAsync(db, specimen.Id, TestContext.Current.CancellationToken);
            latestId = latest.Id;
        }

        var html = await GetOkAsync("/specimens/induction-2l");

        var row = Regex.Match(html, "<tr id=\"claim-induction-head\">.*?</tr>", RegexOptions.Singleline).Value;
        Assert.Contains("badge-supported", row);
        Assert.Contains("0.7134", row);
        Assert.Contains($"href=\"/evidence/{latestId}\"", row);
        Assert.Contains("(2 runs)", row);
        Assert.DoesNotContain("0.41", row);
        var previousRow = Regex.Match(html, "<tr id=\"claim-previous-token-head\">.*?</tr>", RegexOptions.Singleline).Value;
        Assert.Contains("badge-refuted", previousRow);
        Assert.Contains("1 of 2 claims supported, 1 refuted", html);
    }

    [Fact]
    public async Task Component_links_filter_the_claims_table()
    {
        await SeedAsync();

        var html = await GetOkAsync("/specimens/induction-2l?component=L0H1");

        Assert.Contains("Claims that target <code>L0H1</code>: 1 of 2.", html);
        Assert.Contains("id=\"claim-previous-token-head\"", html);
        Assert.DoesNotContain("id=\"claim-induction-head\"", html);
    }

    [Fact]
    public async Task An_older_revision_has_a_permalink_and_a_banner_pointing_at_the_current_one()
    {
        var specimen = await SeedAsync();
        await using (var db = archive.CreateDbContext())
        {
            var second = new SpecimenRevision
            {
                SpecimenId = specimen.Id,
                Number = 2,
                WriteupMarkdown = "## Revised\n\nNow with ablations.",
                Message = "Add ablations",
                CreatedBy = "tester",
                CreatedAt = DateTimeOffset.UtcNow,
                Claims = [new Claim { Key = "ablation", Statement = "Ablating 1.4 raises loss", Method = "ablation", Targets = ["L1H4"], Expected = 1, Comparison = ClaimComparison.AtLeast }],
            };
            db.SpecimenRevisions.Add(second);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await db.Specimens.Where(s => s.Id == specimen.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.CurrentRevisionId, second.Id), TestContext.Current.CancellationToken);
        }

        var current = await GetOkAsync("/specimens/induction-2l");
        var old = await GetOkAsync("/specimens/induction-2l/revisions/1");
        var permalinkToCurrent = await GetOkAsync("/specimens/induction-2l/revisions/2");

        Assert.Contains("Now with ablations.", current);
        Assert.DoesNotContain("You are viewing revision", current);
        Assert.DoesNotContain("id=\"circuits\"", current);
        Assert.Contains("Ablating 1.4 raises loss", current);

        Assert.Contains("You are viewing revision 1; the current is", old);
        Assert.Contains("<a href=\"/specimens/induction-2l\">revision 2</a>", old);
        Assert.Contains("Does head 1.4 copy?", old);
        Assert.DoesNotContain("Now with ablations.", old);
        Assert.Contains("Head 1.4 is an induction head", old);
        Assert.Contains("href=\"/specimens/induction-2l/revisions/1?component=L1H4#claims\"", old);
        var rows = Regex.Matches(old, "<tr( class=\"shown\")?[^>]*>.*?</tr>", RegexOptions.Singleline).Select(m => m.Value).Where(r => r.Contains("/revisions/")).ToList();
        Assert.Contains(rows, r => r.Contains("Add ablations") && r.Contains("current") && !r.Contains("shown"));
        Assert.Contains(rows, r => r.Contains("First version") && r.Contains("class=\"shown\"") && r.Contains("aria-current=\"page\""));

        Assert.DoesNotContain("You are viewing revision", permalinkToCurrent);
        Assert.Contains("<link rel=\"canonical\" href=\"/specimens/induction-2l/revisions/2\"", permalinkToCurrent);
    }

    [Theory]
    [InlineData("/specimens/no-such-specimen")]
    [InlineData("/specimens/induction-2l/revisions/7")]
    [InlineData("/models/no-such-model")]
    [InlineData("/no/such/page")]
    public async Task Unknown_addresses_are_404_with_the_not_found_page(string url)
    {
        await SeedAsync();

        var response = await archive.CreateClient().GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(SpecimenStatus.Draft)]
    [InlineData(SpecimenStatus.InReview)]
    public async Task Unpublished_specimens_are_not_found(SpecimenStatus status)
    {
        await SeedAsync(status);
        var client = archive.CreateClient();

        var page = await client.GetAsync("/specimens/induction-2l", TestContext.Current.CancellationToken);
        var permalink = await client.GetAsync("/specimens/induction-2l/revisions/1", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, permalink.StatusCode);
        Assert.DoesNotContain("Induction heads in a two-layer model", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Retracted_specimens_are_shown_under_a_banner()
    {
        await SeedAsync(SpecimenStatus.Retracted);

        var html = await GetOkAsync("/specimens/induction-2l");

        Assert.Contains("banner-retracted", html);
        Assert.Contains("<strong>Retracted.</strong>", html);
        Assert.Contains("Induction heads in a two-layer model", html);
    }

    [Fact]
    public async Task Hostile_writeups_are_neutralised_in_the_page()
    {
        await SeedAsync(writeup: """
            ## Hostile

            <script>alert('writeup')</script>

            <img src=x onerror=alert(2)>

            [click me](javascript:alert(3)) and ![pic](javascript:alert(4))

            <div onclick="alert(5)">div</div>
            """);

        var html = await GetOkAsync("/specimens/induction-2l");
        var writeup = Regex.Match(html, "<section id=\"writeup\".*?</section>", RegexOptions.Singleline).Value;

        Assert.NotEmpty(writeup);
        Assert.DoesNotContain("<script", writeup);
        Assert.DoesNotContain("<img", writeup);
        Assert.DoesNotContain("<div onclick", writeup);
        Assert.DoesNotContain("javascript:", writeup);
        Assert.Contains("&lt;script&gt;alert('writeup')&lt;/script&gt;", writeup);
        Assert.Contains("click me", writeup);
        // The only scripts on the page are the site's own.
        Assert.All(Regex.Matches(html, "<script[^>]*>").Select(m => m.Value), tag => Assert.Matches("src=\"(/?lib/|/?js/|_framework/)", tag));
    }

    [Fact]
    public async Task Circuit_labels_from_the_database_are_escaped_in_the_svg()
    {
        var specimen = await SeedAsync();
        await using (var db = archive.CreateDbContext())
        {
            var circuit = await db.Circuits.SingleAsync(c => c.RevisionId == specimen.CurrentRevisionId, TestContext.Current.CancellationToken);
            db.CircuitNodes.Add(new CircuitNode { CircuitId = circuit.Id, Key = "evil", Kind = CircuitNodeKind.Feature, Layer = 1, Index = 3, Label = "<script>alert(1)</script>", Description = "\"><img src=x onerror=alert(1)>" });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var html = await GetOkAsync("/specimens/induction-2l");

        Assert.DoesNotContain("<script>alert(1)", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }
}
