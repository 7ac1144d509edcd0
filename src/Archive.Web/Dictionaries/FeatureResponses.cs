using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archive.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archive.Web.Dictionaries;

/// <summary>
/// One feature's API document, rendered once per version and served from memory. The document is the same for every
/// reader (its circuits are public ones), so the version alone decides: one small prepared query reads it, and the JSON
/// bytes kept for that version are written as they are, with the version as a strong ETag (a client's
/// <c>If-None-Match</c> gets 304 without a body). The version moves when the dictionary row or its dashboard job is
/// written (or its model's, or its uploader's), when any of its features is (a trigger bumps <c>features_version</c> per statement: explanations, re-imports,
/// the worker's dashboards), and when a circuit node using the feature or the specimen holding it changes (a new
/// revision, publication, retraction).
/// </summary>
public sealed class FeatureResponses(IOptions<JsonOptions> json, IConfiguration configuration) : IDisposable
{
    // Its own pool: a served request is one prepared query, with no DbContext behind it (a miss renders with one).
    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(configuration.GetConnectionString("Archive")
        ?? throw new InvalidOperationException("ConnectionStrings:Archive is not set."));

    /// <summary>Bytes of JSON kept, least recently used out.</summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxBytes });

    private sealed record Kept(string ETag, byte[] Json);

    /// <summary>The feature's document (or 304, or null when there is no such feature).</summary>
    public async Task<IResult?> GetAsync(HttpContext http, string slug, int index, CancellationToken ct)
    {
        var version = await VersionAsync(slug, index, ct);
        if (version is null) return null;
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version)))[..32]}\"";
        http.Response.Headers.ETag = etag;
        // The URL names a feature whose rows can be replaced: revalidate by ETag, never reuse for a time.
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*")))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);

        var key = (slug, index);
        if (!cache.TryGetValue(key, out Kept? kept) || kept!.ETag != etag)
        {
            // Read after the version: what is rendered is at least that version, so it is never kept under an older one.
            var db = http.RequestServices.GetRequiredService<ArchiveDbContext>();
            if (await DictionaryQueries.LoadFeatureAsync(db, slug, index, ct) is not { } feature) return null;
            kept = new Kept(etag, JsonSerializer.SerializeToUtf8Bytes(feature, json.Value.SerializerOptions));
            cache.Set(key, kept, new MemoryCacheEntryOptions { Size = kept.Json.Length });
        }
        return TypedResults.Bytes(kept.Json, "application/json; charset=utf-8");
    }

    private async Task<string?> VersionAsync(string slug, int index, CancellationToken ct)
    {
        // Raw and prepared: it runs on every request, and planning its subquery costs more than running it.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(VersionSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slug });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        await command.PrepareAsync(ct); // once per pooled connection; Npgsql keeps it
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private const string VersionSql = """
        SELECT concat_ws(':', d.id, d.xmin, d.features_version, m.xmin, u.xmin, j.xmin, f.xmin,
            (SELECT count(*) || '.' || coalesce(sum(n.xmin::text::bigint + s.xmin::text::bigint), 0)
             FROM circuit_nodes n JOIN circuits c ON c.id = n.circuit_id JOIN specimen_revisions r ON r.id = c.revision_id
             JOIN specimens s ON s.id = r.specimen_id
             WHERE n.feature_dictionary_id = d.id AND n.index = $2))
        FROM feature_dictionaries d
        JOIN features f ON f.feature_dictionary_id = d.id AND f.index = $2
        JOIN models m ON m.id = d.model_id
        LEFT JOIN users u ON u.id = d.submitted_by_id
        LEFT JOIN dashboard_jobs j ON j.feature_dictionary_id = d.id
        WHERE d.slug = $1
        """;

    public void Dispose()
    {
        cache.Dispose();
        dataSource.Dispose();
    }
}
