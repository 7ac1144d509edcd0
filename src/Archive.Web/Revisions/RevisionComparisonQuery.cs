using Archive.Data;
using Archive.Data.Specimens;
using Archive.Web.Specimens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Revisions;

/// <summary>Two revisions of one specimen and what changed between them: the diff page's model and the API's body.</summary>
public sealed record RevisionComparison(
    string Slug,
    string Title,
    RevisionListItem From,
    RevisionListItem To,
    IReadOnlyList<int> RevisionNumbers,
    RevisionDiffResult Diff);

/// <summary>Reads two revisions of a specimen the viewer may see, with no-tracking projections, and compares them.</summary>
public static class RevisionComparisonQuery
{
    /// <param name="against">The baseline revision; without it, the revision just before <paramref name="number"/>.</param>
    /// <returns>
    /// Null when there is no such specimen that <paramref name="viewer"/> may see, no such revision of it, or nothing to
    /// compare with (revision 1 without <paramref name="against"/>).
    /// </returns>
    public static async Task<RevisionComparison?> LoadAsync(
        ArchiveDbContext db, SpecimenViewer viewer, string slug, int number, int? against, CancellationToken ct)
    {
        var specimen = await db.Specimens.AsNoTracking()
            .Where(SpecimenVisibility.ViewableBy(viewer))
            .Where(s => s.Slug == slug)
            .Select(s => new { s.Id, s.Slug, s.Title })
            .SingleOrDefaultAsync(ct);
        if (specimen is null) return null;

        var revisions = await db.SpecimenRevisions.AsNoTracking()
            .Where(SpecimenVisibility.RevisionViewableBy(viewer))
            .Where(r => r.SpecimenId == specimen.Id)
            .OrderBy(r => r.Number)
            .Select(r => new RevisionListItem(r.Id, r.Number, r.Message, r.CreatedBy, r.CreatedAt))
            .ToListAsync(ct);
        var to = revisions.FirstOrDefault(r => r.Number == number);
        var from = against is { } a ? revisions.FirstOrDefault(r => r.Number == a) : revisions.LastOrDefault(r => r.Number < number);
        if (to is null || from is null) return null;

        var before = await LoadSnapshotAsync(db, from.Id, ct);
        var after = await LoadSnapshotAsync(db, to.Id, ct);
        return new RevisionComparison(specimen.Slug, specimen.Title, from, to, [.. revisions.Select(r => r.Number)], RevisionDiff.Compare(before, after));
    }

    private static async Task<RevisionSnapshot> LoadSnapshotAsync(ArchiveDbContext db, int revisionId, CancellationToken ct)
    {
        var writeup = await db.SpecimenRevisions.AsNoTracking()
            .Where(r => r.Id == revisionId)
            .Select(r => r.WriteupMarkdown)
            .SingleAsync(ct);
        var claims = await db.Claims.AsNoTracking()
            .Where(c => c.RevisionId == revisionId)
            .OrderBy(c => c.Id)
            .Select(c => new { c.Key, c.Statement, c.Method, c.Targets, c.Parameters, c.Comparison, c.Expected, c.ExpectedUpper, c.Tolerance })
            .ToListAsync(ct);
        // The same circuit read as the specimen page's, so the diff and the page never disagree on what a revision holds.
        var circuits = await SpecimenPageQuery.LoadCircuitsAsync(db, revisionId, ct);
        return new RevisionSnapshot(writeup, circuits, [.. claims.Select(c =>
        {
            // Cloned so the element outlives the document, which is returned to its pool here.
            using var parameters = c.Parameters;
            return new ClaimSnapshot(c.Key, c.Statement, c.Method, c.Targets, parameters.RootElement.Clone(), c.Comparison, c.Expected, c.ExpectedUpper, c.Tolerance);
        })]);
    }
}
