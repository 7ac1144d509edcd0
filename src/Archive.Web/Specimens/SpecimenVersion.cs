using Archive.Data;
using Archive.Data.Specimens;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Archive.Web.Specimens;

/// <summary>
/// A public specimen's version: one string that changes whenever anything its page or API document shows changes, read
/// in one small query. PostgreSQL gives every row version a new <c>xmin</c> (the writing transaction's id, kept when
/// the row is frozen), so the specimen's row, its model's, its submitter's, and the count and xmin sum of its revisions,
/// review steps, claims, evidence runs (a new run, a lease, a verdict, a cancel) and attached graphs move on every
/// insert, update and delete, whoever makes it: this site, the worker, the bundle importer, a hand-written UPDATE, or a
/// database reset under a running site (the ids and transaction ids go on, never back). Circuits, their nodes and edges
/// and a revision's writeup belong to their revision and are never written after it is created.
/// </summary>
public static class SpecimenVersion
{
    private static readonly string[] PublicStatuses = [.. SpecimenVisibility.Public.Select(s => s.ToString())];

    /// <returns>Null when no specimen with that slug is public (<see cref="SpecimenVisibility.Public"/>): drafts have no
    /// public version, so nothing about them is ever kept for anonymous readers.</returns>
    public static async Task<string?> ForPublicAsync(ArchiveDbContext db, string slug, CancellationToken ct)
    {
        // Raw and prepared: it runs on every anonymous view, and planning its subqueries costs more than running them.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(Sql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slug });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = PublicStatuses });
            await command.PrepareAsync(ct); // once per pooled connection; Npgsql keeps it
            return await command.ExecuteScalarAsync(ct) as string;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private const string Sql = """
        SELECT concat_ws(':', s.id, s.xmin, m.xmin, u.xmin,
            (SELECT count(*) || '.' || coalesce(sum(r.xmin::text::bigint), 0) FROM specimen_revisions r WHERE r.specimen_id = s.id),
            (SELECT count(*) || '.' || coalesce(sum(e.xmin::text::bigint), 0) FROM review_events e WHERE e.specimen_id = s.id),
            (SELECT count(*) || '.' || coalesce(sum(c.xmin::text::bigint), 0)
             FROM claims c JOIN specimen_revisions r ON r.id = c.revision_id WHERE r.specimen_id = s.id),
            (SELECT count(*) || '.' || coalesce(sum(er.xmin::text::bigint), 0)
             FROM evidence_runs er JOIN claims c ON c.id = er.claim_id JOIN specimen_revisions r ON r.id = c.revision_id WHERE r.specimen_id = s.id),
            (SELECT count(*) || '.' || coalesce(sum(g.xmin::text::bigint), 0)
             FROM attribution_graphs g JOIN circuits ci ON ci.id = g.circuit_id JOIN specimen_revisions r ON r.id = ci.revision_id WHERE r.specimen_id = s.id))
        FROM specimens s JOIN models m ON m.id = s.model_id LEFT JOIN users u ON u.id = s.submitted_by_id
        WHERE s.slug = $1 AND s.status = ANY($2)
        """;
}
