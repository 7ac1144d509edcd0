using System.Text.Json;
using Npgsql;

namespace Archive.Web.Infrastructure;

/// <summary>
/// Baselines for <c>.ci/bench-api</c>, mapped only when the site starts with <c>Archive__BenchmarkEndpoints=true</c>
/// (never in a deployment): what the same read costs with nothing between the route and PostgreSQL, so the benchmark
/// can report the archive's endpoints as a ratio measured in the same run.
/// </summary>
public static class BenchmarkEndpoints
{
    public const string Switch = "Archive:BenchmarkEndpoints";

    public static IEndpointRouteBuilder MapBenchmarkEndpoints(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (!configuration.GetValue<bool>(Switch)) return app;
        var connectionString = configuration.GetConnectionString("Archive");
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        // One feature's row, as GET /api/v1/dictionaries/{slug}/features/{index} reads it first: one prepared query, the
        // columns written straight out as JSON.
        app.MapGet("/bench/raw/dictionaries/{slug}/features/{index:int}", async (string slug, int index, HttpContext http, CancellationToken ct) =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand("""
                SELECT f.index, f.explanation, f.density, f.max_activation, f.histogram_json::text, f.positive_logits_json::text,
                       f.negative_logits_json::text, f.similar_features_json::text
                FROM features f JOIN feature_dictionaries d ON d.id = f.feature_dictionary_id WHERE d.slug = $1 AND f.index = $2
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slug });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
            await command.PrepareAsync(ct);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return Results.NotFound();
            http.Response.ContentType = "application/json; charset=utf-8";
            await using var json = new Utf8JsonWriter(http.Response.Body);
            json.WriteStartObject();
            json.WriteNumber("index", reader.GetInt32(0));
            json.WriteString("explanation", reader.GetString(1));
            json.WriteNumber("density", reader.GetDouble(2));
            json.WriteNumber("maxActivation", reader.GetDouble(3));
            json.WritePropertyName("histogram"); json.WriteRawValue(reader.GetString(4));
            json.WritePropertyName("positiveLogits"); json.WriteRawValue(reader.GetString(5));
            json.WritePropertyName("negativeLogits"); json.WriteRawValue(reader.GetString(6));
            json.WritePropertyName("similarFeatures"); json.WriteRawValue(reader.GetString(7));
            json.WriteEndObject();
            await json.FlushAsync(ct);
            return Results.Empty;
        }).ExcludeFromDescription();
        return app;
    }
}
