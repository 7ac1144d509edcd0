using System.Net;
using System.Text.RegularExpressions;
using Archive.Data.Circuits;
using Archive.Data.Dictionaries;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

public sealed class DictionaryPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<FeatureDictionary> SeedAsync(Action<FeatureDictionary>? change = null)
    {
        var dictionary = DictionaryTestData.NewDictionary(ArchiveTestData.NewModel());
        dictionary.Sha256 = (await archive.StoreFileAsync([1, 2, 3])).Hex;
        change?.Invoke(dictionary);
        await using var db = archive.CreateDbContext();
        return await DictionaryTestData.SaveAsync(db, dictionary);
    }

    private async Task<string> GetOkAsync(string url)
    {
        var response = await archive.CreateClient().GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    private static List<int> FeatureIndices(string html) =>
        Regex.Matches(html, "<td class=\"num\"><a href=\"/dictionaries/[^/]+/features/(\\d+)\">").Select(m => int.Parse(m.Groups[1].Value)).ToList();

    [Fact]
    public async Task The_list_shows_each_dictionary_with_model_hook_shape_and_feature_count()
    {
        await SeedAsync();

        var html = WebUtility.HtmlDecode(await GetOkAsync("/dictionaries"));

        Assert.Contains("<a href=\"/dictionaries/attn-2l-resid1-topk\">Residual stream after layer 1, TopK</a>", html);
        Assert.Contains("<a href=\"/models/attn-only-2l\">Model attn-only-2l</a>", html);
        Assert.Contains("<code>blocks.1.hook_resid_post</code>", html);
        Assert.Contains("64 → 4", html);
        Assert.Contains("<td>topk</td>", html);
        Assert.Contains("<td class=\"num\">2</td>", html);
    }

    [Fact]
    public async Task The_list_says_so_when_there_are_none()
    {
        var html = await GetOkAsync("/dictionaries");

        Assert.Contains("No feature dictionary has been imported yet.", html);
    }

    [Fact]
    public async Task The_dictionary_page_has_cfg_download_and_a_searchable_sortable_feature_table()
    {
        await SeedAsync();

        var html = WebUtility.HtmlDecode(await GetOkAsync("/dictionaries/attn-2l-resid1-topk"));
        Assert.Contains("<h1 id=\"dictionary-title\">Residual stream after layer 1, TopK</h1>", html);
        Assert.Contains("href=\"/api/v1/dictionaries/attn-2l-resid1-topk/download\"", html);
        Assert.Contains("<tr><th scope=\"row\"><code>d_sae</code></th><td><code>4</code></td></tr>", html);
        Assert.Contains("4,096 tokens of the Brown corpus, seed 7.", html);
        Assert.Equal([0, 1, 2, 3], FeatureIndices(html));
        Assert.Contains("fires after an opening quote", html);
        Assert.Contains("<span class=\"density-value\">dead</span>", html);
        Assert.Contains("<span class=\"density-value\">1.23%</span>", html);
        Assert.Contains("<span class=\"density-value\">3.2e-5</span>", html);
        Assert.Contains("class=\"chart histogram\"", html);

        var search = WebUtility.HtmlDecode(await GetOkAsync("/dictionaries/attn-2l-resid1-topk?q=QUOTE"));
        Assert.Equal([0], FeatureIndices(search));
        Assert.Contains("1 feature match “QUOTE”", search);

        var byDensity = await GetOkAsync("/dictionaries/attn-2l-resid1-topk?sort=density&dir=desc");
        Assert.Equal([1, 0, 2, 3], FeatureIndices(byDensity));
        Assert.Contains("aria-sort=\"descending\"", byDensity);

        var byMax = await GetOkAsync("/dictionaries/attn-2l-resid1-topk?sort=max");
        Assert.Equal([3, 2, 1, 0], FeatureIndices(byMax));

        var none = WebUtility.HtmlDecode(await GetOkAsync("/dictionaries/attn-2l-resid1-topk?q=nothing-like-this"));
        Assert.Contains("No features match “nothing-like-this”.", none);
    }

    [Fact]
    public async Task The_feature_table_pages_by_fifty()
    {
        await SeedAsync(d =>
        {
            d.DSae = 120;
            d.Features = [.. Enumerable.Range(0, 120).Select(i => new Feature { Index = i, Explanation = $"feature number {i}", Density = 0.01, MaxActivation = 1 })];
        });

        // An address from before cursors (?page=2) still works; its next link is a cursor.
        var second = await GetOkAsync("/dictionaries/attn-2l-resid1-topk?page=2");

        Assert.Equal(Enumerable.Range(50, 50).ToList(), FeatureIndices(second));
        Assert.Contains("Page 2 of 3", second);
        Assert.Contains("showing 51–100", second);
        Assert.Contains("href=\"/dictionaries/attn-2l-resid1-topk#features\"", second);
        var next = Regex.Match(second, "<a rel=\"next\" href=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains("?cursor=", next);

        var third = await GetOkAsync(WebUtility.HtmlDecode(next));
        Assert.Equal(Enumerable.Range(100, 20).ToList(), FeatureIndices(third));
        Assert.Contains("Page 3 of 3", third);
        Assert.Contains("showing 101–120", third);
        Assert.DoesNotContain("rel=\"next\"", third);
        var previous = Regex.Match(third, "<a rel=\"prev\" href=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains("?cursor=", previous);
        Assert.Equal(Enumerable.Range(50, 50).ToList(), FeatureIndices(await GetOkAsync(WebUtility.HtmlDecode(previous))));

        // A cursor that does not read shows the first page rather than an error page.
        Assert.Equal(Enumerable.Range(0, 50).ToList(), FeatureIndices(await GetOkAsync("/dictionaries/attn-2l-resid1-topk?cursor=garbage")));
    }

    [Fact]
    public async Task The_feature_dashboard_shows_histogram_contexts_logits_similar_features_circuits_and_neighbours()
    {
        var dictionary = await SeedAsync();
        await using (var db = archive.CreateDbContext())
        {
            var specimen = ArchiveTestData.NewSpecimen(await db.Models.SingleAsync(Ct), "quotes", "Quote features");
            specimen.Revisions[0].Circuits[0].Nodes.Add(new CircuitNode
            {
                Key = "F0", Kind = CircuitNodeKind.Feature, Layer = 1, Index = 0, Label = "quote feature", FeatureDictionaryId = dictionary.Id, Activation = 3.5,
            });
            await ArchiveTestData.SaveAsync(db, specimen);
            var draft = ArchiveTestData.NewSpecimen(await db.Models.SingleAsync(Ct), "draft", "Draft quote features", status: SpecimenStatus.Draft);
            draft.Revisions[0].Circuits[0].Nodes.Add(new CircuitNode { Key = "F0", Kind = CircuitNodeKind.Feature, Layer = 1, Index = 0, Label = "q", FeatureDictionaryId = dictionary.Id });
            await ArchiveTestData.SaveAsync(db, draft);
        }

        var html = WebUtility.HtmlDecode(await GetOkAsync("/dictionaries/attn-2l-resid1-topk/features/1"));
        var zero = WebUtility.HtmlDecode(await GetOkAsync("/dictionaries/attn-2l-resid1-topk/features/0"));

        Assert.Contains("<h1 id=\"feature-title\">Feature 1</h1>", html);
        Assert.Contains("plural nouns", html);
        Assert.Contains("<span class=\"density-value\">20%</span>", html);
        Assert.Contains("class=\"chart histogram\"", html);
        Assert.Contains("<title>log10 activation in [-1, 0): 12</title>", html);
        Assert.Contains("2 below 10^-2", html);
        // Top activating contexts: shaded tokens with their values; the peak outlined
        Assert.Contains("<span class=\"tok tok-max\" style=\"--a: 1\" data-act=\"2.25\" title=\"“ \"”: 2.25\"> \"</span>", html);
        Assert.Contains("<span class=\"tok\" style=\"--a: 0.178\" data-act=\"0.4\"", html);
        // Logit effects
        Assert.Contains("<span class=\"token\"> said</span>", html);
        Assert.Contains("-0.42", html);
        // Similar features link to their dashboards when they exist
        Assert.Contains("<a href=\"/dictionaries/attn-2l-resid1-topk/features/2\">2</a>", html);
        Assert.Contains("0.812", html);
        Assert.Contains("<td class=\"num\">99</td>", html);
        // Neighbours
        Assert.Contains("<a rel=\"prev\" href=\"/dictionaries/attn-2l-resid1-topk/features/0\">← Feature 0</a>", html);
        Assert.Contains("<a rel=\"next\" href=\"/dictionaries/attn-2l-resid1-topk/features/2\">Feature 2 →</a>", html);
        Assert.Contains("No published circuit uses this feature.", html);
        // Circuits that use feature 0, published only
        Assert.Contains("href=\"/specimens/quotes/revisions/1#circuit-induction\"", zero);
        Assert.Contains("node <code>F0</code>, activation 3.5", zero);
        Assert.DoesNotContain("Draft quote features", zero);
        Assert.Contains("<span class=\"disabled\" aria-hidden=\"true\">← Previous</span>", zero);
    }

    [Theory]
    [InlineData("/dictionaries/no-such-dictionary")]
    [InlineData("/dictionaries/no-such-dictionary/features/0")]
    [InlineData("/dictionaries/attn-2l-resid1-topk/features/4")]
    [InlineData("/dictionaries/attn-2l-resid1-topk/features/-1")]
    public async Task Unknown_dictionaries_and_features_are_404(string url)
    {
        await SeedAsync();

        var response = await archive.CreateClient().GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Hostile_tokens_and_explanations_are_escaped()
    {
        await SeedAsync(d =>
        {
            var f = d.Features[0];
            f.Explanation = "<img src=x onerror=alert(1)>";
            f.TopActivations[0].Tokens = ["<script>alert('tok')</script>", "\" onmouseover=\"alert(2)", "\n"];
            f.TopActivations[0].Values = [1, 2, 3];
            f.PositiveLogitsJson = """[{"token":"<b>bold</b>","value":1.0}]""";
        });

        var feature = await GetOkAsync("/dictionaries/attn-2l-resid1-topk/features/0");
        var table = await GetOkAsync("/dictionaries/attn-2l-resid1-topk");

        Assert.DoesNotContain("<script>alert", feature);
        Assert.DoesNotContain("<img src=x", feature);
        Assert.DoesNotContain("<b>bold</b>", feature);
        Assert.DoesNotContain("\" onmouseover=\"alert(2)", feature);
        Assert.Contains("&lt;script&gt;alert(&#x27;tok&#x27;)&lt;/script&gt;", feature);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", feature);
        Assert.Contains(">↵</span>", WebUtility.HtmlDecode(feature));
        Assert.DoesNotContain("<img src=x", table);
    }
}
