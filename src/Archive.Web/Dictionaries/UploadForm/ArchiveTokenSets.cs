using Archive.Data;
using Archive.Data.Dictionaries;
using Archive.Data.Specimens;
using Archive.Formats.Claims;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Dictionaries.UploadForm;

/// <summary>A token set the archive holds, as the dictionary form offers it: the model whose claims use it, its ids' sha256 and shape, and how it was made.</summary>
public sealed record ArchiveTokenSet(string ModelSlug, string Sha256, int Windows, int Length, string Description);

/// <summary>
/// The token sets a new dictionary's dashboards can be computed over without uploading ids: those named by claims on
/// specimens of the model (<c>claims.parameters-&gt;'token_set'</c>) whose file the archive holds at the size their shape
/// says, within the upload's token limit. Only claims of specimens the viewer may open count (a draft's token set is
/// its author's until it is published).
/// </summary>
public static class ArchiveTokenSets
{
    /// <summary>One claim's token set, as EF Core maps a raw SQL row onto properties.</summary>
    private sealed class Row
    {
        public int RevisionId { get; init; }
        public string ModelSlug { get; init; } = "";
        public string Sha256 { get; init; } = "";
        public int Windows { get; init; }
        public int Length { get; init; }
        public string? Corpus { get; init; }
        public string? Split { get; init; }
    }

    public static async Task<List<ArchiveTokenSet>> ListAsync(ArchiveDbContext db, SpecimenViewer viewer, CancellationToken ct)
    {
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(viewer);
        // jsonb_to_record reads the claim reader's fields (CorpusTokenSet) by name; claims were validated at import. The
        // columns are named as the context's snake_case convention maps Row's properties.
        var rows = await db.Database.SqlQuery<Row>($"""
            SELECT c.revision_id, m.slug AS model_slug, t.sha256, t.windows, t.length, t.corpus, t.split
            FROM claims c
            JOIN specimen_revisions r ON r.id = c.revision_id
            JOIN specimens s ON s.id = r.specimen_id
            JOIN models m ON m.id = s.model_id
            CROSS JOIN LATERAL jsonb_to_record(c.parameters->'token_set') AS t(sha256 text, windows int, length int, corpus text, split text)
            WHERE jsonb_typeof(c.parameters->'token_set') = 'object' AND t.sha256 IS NOT NULL AND t.windows > 0 AND t.length > 0
              AND t.windows::bigint * t.length <= {DictionaryUploads.MaxTokens}
              AND EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = t.sha256 AND b.size_bytes = t.windows::bigint * t.length * 4)
            """)
            .Where(r => viewable.Contains(r.RevisionId))
            .Select(r => new { r.ModelSlug, r.Sha256, r.Windows, r.Length, r.Corpus, r.Split })
            .Distinct()
            .ToListAsync(ct);
        return [.. rows
            .Select(r => new ArchiveTokenSet(r.ModelSlug, r.Sha256, r.Windows, r.Length, Describe(r.Corpus, r.Split, r.Windows, r.Length)))
            .DistinctBy(t => (t.ModelSlug, t.Sha256))
            .OrderBy(t => t.ModelSlug, StringComparer.Ordinal).ThenBy(t => t.Description, StringComparer.Ordinal)];
    }

    /// <summary>How the builder made a corpus split's windows (as evidence records say it; a claim that names no corpus or
    /// split means the claim reader's defaults); empty for a set it did not make.</summary>
    private static string Describe(string? corpus, string? split, int windows, int length)
    {
        split ??= CorpusTokenSet.HeldOut;
        return (corpus ?? CorpusTokenSet.BrownCorpus) == CorpusTokenSet.BrownCorpus && CorpusTokenSet.Splits.Contains(split)
            ? CorpusTokenSet.Describe(split, windows, length) : "";
    }
}
