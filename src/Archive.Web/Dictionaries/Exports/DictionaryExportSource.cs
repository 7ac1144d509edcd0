using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archive.Data;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Dictionaries.Exports;

/// <summary>What the bulk downloads of a dictionary are made from, besides its feature rows: one small query.</summary>
public sealed record DictionaryExportSource(
    int Id,
    string Slug,
    string Title,
    string Description,
    string HookName,
    int HookLayer,
    int DSae,
    string ConfigJson,
    string Sha256,
    string TokenSetDescription,
    DateTimeOffset CreatedAt,
    string ModelSlug,
    string ModelName,
    string ModelConfigJson,
    int ModelLayers,
    int ModelDModel,
    DateTimeOffset ModelCreatedAt)
{
    public static Task<DictionaryExportSource?> FindAsync(ArchiveDbContext db, string slug, CancellationToken ct) =>
        db.FeatureDictionaries.AsNoTracking()
            .Where(d => d.Slug == slug)
            .Select(d => new DictionaryExportSource(d.Id, d.Slug, d.Title, d.Description, d.HookName, d.HookLayer, d.DSae, d.ConfigJson, d.Sha256,
                d.TokenSetDescription, d.CreatedAt, d.Model.Slug, d.Model.Name, d.Model.ConfigJson, d.Model.NLayers, d.Model.DModel, d.Model.CreatedAt))
            .SingleOrDefaultAsync(ct);

    /// <summary>
    /// A strong ETag for one download format of this dictionary: a hash of the format, the weights' sha256, every field
    /// above, and the state of the feature rows. The archive keeps no version number for a dictionary's statistics and
    /// explanations, so the rows stand for it: their count and highest id change when an import replaces them, and their
    /// highest <c>xmin</c> (the transaction that last wrote a row) when an explanation is rewritten in place. Top contexts
    /// are only ever written with their feature rows, so the feature rows cover them. One aggregate over the dictionary's
    /// index, with no row bodies read, so a 304 costs far less than the download.
    /// </summary>
    public async Task<string> ETagAsync(ArchiveDbContext db, string format, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<string>($"""
            SELECT count(*)::text || '.' || coalesce(max(id), 0)::text || '.' || coalesce(max(xmin::text::bigint), 0)::text AS "Value"
            FROM features WHERE feature_dictionary_id = {Id}
            """).ToListAsync(ct);
        var version = $"{format}\n{Sha256}\n{rows.Single()}\n{JsonSerializer.Serialize(this)}";
        return $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version)))[..32]}\"";
    }
}
