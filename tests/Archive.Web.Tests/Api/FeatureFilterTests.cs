using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Web.Tests.Infrastructure;
using Npgsql;

namespace Archive.Web.Tests.Api;

/// <summary>The feature table filtered by density, and explanation search served by a trigram index.</summary>
public sealed class FeatureFilterTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        // Densities 0.0123, 0.2, 3.2e-5 and 0 (dead).
        await DictionaryTestData.SaveAsync(db, DictionaryTestData.NewDictionary(ArchiveTestData.NewModel()));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static int[] Indexes(JsonElement detail) =>
        [.. detail.GetProperty("features").GetProperty("items").EnumerateArray().Select(f => f.GetProperty("index").GetInt32())];

    [Fact]
    public async Task Density_bounds_keep_the_features_between_them_on_the_api_and_the_page()
    {
        using var client = archive.CreateClient();

        var readable = await client.GetFromJsonAsync<JsonElement>("/api/v1/dictionaries/attn-2l-resid1-topk?min_density=1e-4&max_density=0.1", Ct);
        var alive = await client.GetFromJsonAsync<JsonElement>("/api/v1/dictionaries/attn-2l-resid1-topk?min_density=1e-9", Ct);
        using var bad = await client.GetAsync("/api/v1/dictionaries/attn-2l-resid1-topk?min_density=2", Ct);
        var page = await client.GetStringAsync("/dictionaries/attn-2l-resid1-topk?min_density=1e-4&max_density=0.1", Ct);

        Assert.Equal([0], Indexes(readable));
        Assert.Equal([0, 1, 2], Indexes(alive));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("/dictionaries/attn-2l-resid1-topk/features/0", page);
        Assert.DoesNotContain("/dictionaries/attn-2l-resid1-topk/features/1\"", page);
        Assert.Contains("value=\"0.0001\"", page);
    }

    [Fact]
    public async Task Explanation_search_can_use_a_trigram_index()
    {
        await using var connection = new NpgsqlConnection(archive.ConnectionString);
        await connection.OpenAsync(Ct);
        // With sequential scans priced out, the planner shows whether an index can answer ILIKE '%…%' at all.
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection)) await off.ExecuteNonQueryAsync(Ct);
        await using var explain = new NpgsqlCommand("EXPLAIN SELECT index FROM features WHERE explanation ILIKE '%quote%'", connection);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync(Ct))
            while (await reader.ReadAsync(Ct)) plan.Add(reader.GetString(0));

        Assert.Contains(plan, line => line.Contains("ix_features_explanation", StringComparison.Ordinal));
    }
}
