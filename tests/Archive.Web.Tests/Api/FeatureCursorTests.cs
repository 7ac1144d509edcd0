using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Dictionaries;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Api;

/// <summary><c>GET /api/v1/dictionaries/{slug}/features</c>: keyset pages that walk every feature once, whatever changes between them.</summary>
public sealed class FeatureCursorTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Url = "/api/v1/dictionaries/attn-2l-resid1-topk/features";
    private const int Count = 137;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Few distinct keys, so most rows tie on density or max activation and the index has to break the ties; every
    // seventh feature is dead (0, 0) as in a real SAE.
    private static Feature Row(int i) => i % 7 == 0
        ? new Feature { Index = i, Explanation = $"dead {i}", Density = 0, MaxActivation = 0 }
        : new Feature { Index = i, Explanation = $"feature {i}", Density = (i % 5) * 0.01, MaxActivation = (i % 3) * 1.5 };

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        var dictionary = DictionaryTestData.NewDictionary(ArchiveTestData.NewModel());
        dictionary.DSae = Count;
        dictionary.Features = [.. Enumerable.Range(0, Count).Select(Row)];
        await using var db = archive.CreateDbContext();
        await DictionaryTestData.SaveAsync(db, dictionary);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static IEnumerable<int> Expected(IEnumerable<Feature> features, string sort, bool descending)
    {
        Func<Feature, double> key = sort switch { "density" => f => f.Density, "max" => f => f.MaxActivation, _ => f => f.Index };
        return descending
            ? features.OrderByDescending(key).ThenByDescending(f => f.Index).Select(f => f.Index)
            : features.OrderBy(key).ThenBy(f => f.Index).Select(f => f.Index);
    }

    private static int[] Indexes(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("index").GetInt32())];

    private static string? NextLink(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Link", out var values)
            ? Regex.Match(string.Join(", ", values), "<([^>]+)>; rel=\"next\"") is { Success: true } m ? m.Groups[1].Value : null
            : null;

    [Theory]
    [InlineData("index", false)]
    [InlineData("index", true)]
    [InlineData("density", false)]
    [InlineData("density", true)]
    [InlineData("max", false)]
    [InlineData("max", true)]
    public async Task Following_the_next_links_returns_every_feature_once_in_order(string sort, bool descending)
    {
        using var client = archive.CreateClient();
        var seen = new List<int>();
        string? url = $"{Url}?sort={sort}&limit=10{(descending ? "&dir=desc" : "")}";
        var pages = 0;
        while (url is not null)
        {
            using var response = await client.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            seen.AddRange(Indexes(page));
            var next = page.GetProperty("nextCursor");
            url = NextLink(response);
            // The body and the header say the same: a next page exactly when there is a cursor.
            Assert.Equal(next.ValueKind == JsonValueKind.String, url is not null);
            if (url is not null) Assert.Contains("cursor=" + Uri.EscapeDataString(next.GetString()!), url);
            Assert.True(++pages <= 20, "the walk does not end");
        }

        Assert.Equal(14, pages);
        Assert.Equal(Expected(Enumerable.Range(0, Count).Select(Row), sort, descending), seen);
    }

    [Fact]
    public async Task Previous_cursors_walk_back_to_the_start_and_filters_apply_to_every_page()
    {
        using var client = archive.CreateClient();
        const string query = "?sort=density&dir=desc&min_density=0.015&limit=7";
        var forward = new List<int[]>();
        var page = await client.GetFromJsonAsync<JsonElement>(Url + query, Ct);
        forward.Add(Indexes(page));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("previousCursor").ValueKind);
        while (page.GetProperty("nextCursor").GetString() is { } next)
        {
            page = await client.GetFromJsonAsync<JsonElement>($"{Url}{query}&cursor={next}", Ct);
            forward.Add(Indexes(page));
        }
        var backward = new List<int[]> { forward[^1] };
        while (page.GetProperty("previousCursor").GetString() is { } previous)
        {
            page = await client.GetFromJsonAsync<JsonElement>($"{Url}{query}&cursor={previous}", Ct);
            backward.Add(Indexes(page));
        }

        var expected = Expected(Enumerable.Range(0, Count).Select(Row).Where(f => f.Density >= 0.015), "density", true).ToList();
        Assert.Equal(expected, forward.SelectMany(p => p));
        backward.Reverse();
        Assert.Equal(forward, backward);
    }

    [Fact]
    public async Task Features_added_or_removed_between_pages_neither_repeat_nor_skip_the_others()
    {
        using var client = archive.CreateClient();
        const string query = "?sort=max&dir=desc&limit=20";
        var seen = new List<int>();
        var page = await client.GetFromJsonAsync<JsonElement>(Url + query, Ct);
        seen.AddRange(Indexes(page));

        await using (var db = archive.CreateDbContext())
        {
            var id = await db.FeatureDictionaries.Select(d => d.Id).SingleAsync(Ct);
            // Ahead of the reader (the largest max activation): an offset page would now repeat the 20th row.
            db.Features.Add(new Feature { FeatureDictionaryId = id, Index = 500, Explanation = "new, strongest", Density = 0.5, MaxActivation = 99 });
            // A tie with rows still to come, between existing indexes: it is new, and may appear in its place.
            db.Features.Add(new Feature { FeatureDictionaryId = id, Index = 1000, Explanation = "new, tied", Density = 0.01, MaxActivation = 1.5 });
            await db.SaveChangesAsync(Ct);
            // Behind the reader: an offset page would now skip a row.
            await db.Features.Where(f => f.FeatureDictionaryId == id && f.Index == seen[0]).ExecuteDeleteAsync(Ct);
        }

        while (page.GetProperty("nextCursor").GetString() is { } next)
        {
            page = await client.GetFromJsonAsync<JsonElement>($"{Url}{query}&cursor={next}", Ct);
            seen.AddRange(Indexes(page));
        }

        var original = Expected(Enumerable.Range(0, Count).Select(Row), "max", true).ToList();
        Assert.Equal(original, seen.Where(i => i < Count));
        Assert.DoesNotContain(500, seen);
        Assert.Single(seen, 1000);
    }

    [Theory]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("cursor=", "cursor")]
    [InlineData("cursor=AQEAAAAAAAAAAAAAAAUAAAAA", "cursor")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("min_density=2", "min_density")]
    public async Task Bad_parameters_are_a_400_problem_naming_the_field(string query, string field)
    {
        using var client = archive.CreateClient();

        using var response = await client.GetAsync($"{Url}?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_tampered_cursor_or_one_from_another_order_is_a_400_not_another_page()
    {
        using var client = archive.CreateClient();
        var first = await client.GetFromJsonAsync<JsonElement>($"{Url}?sort=density&limit=10", Ct);
        var cursor = first.GetProperty("nextCursor").GetString()!;
        // Each character changed in turn, and the cursor cut short: none reads as a position.
        var tampered = Enumerable.Range(0, cursor.Length).Select(i => cursor[..i] + (cursor[i] == 'A' ? 'B' : 'A') + cursor[(i + 1)..]).Append(cursor[..^2]);

        foreach (var bad in tampered)
        {
            using var response = await client.GetAsync($"{Url}?sort=density&limit=10&cursor={bad}", Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode}");
        }
        using var otherOrder = await client.GetAsync($"{Url}?sort=max&limit=10&cursor={cursor}", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, otherOrder.StatusCode);
        Assert.Contains("sort", await otherOrder.Content.ReadAsStringAsync(Ct));
        using var missing = await client.GetAsync($"/api/v1/dictionaries/nope/features?cursor={cursor}&sort=density", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_dictionary_table_offers_the_cursor_that_continues_it()
    {
        using var client = archive.CreateClient();

        var detail = await client.GetFromJsonAsync<JsonElement>("/api/v1/dictionaries/attn-2l-resid1-topk?sort=density&dir=desc&page=2", Ct);
        var table = detail.GetProperty("features");
        var next = await client.GetFromJsonAsync<JsonElement>($"{Url}?sort=density&dir=desc&cursor={table.GetProperty("nextCursor").GetString()}", Ct);

        var expected = Expected(Enumerable.Range(0, Count).Select(Row), "density", true).ToList();
        Assert.Equal(expected.Skip(50).Take(50), Indexes(table));
        Assert.Equal(expected.Skip(100).Take(50), Indexes(next));
        Assert.Equal(50, table.GetProperty("offset").GetInt32());
    }
}
