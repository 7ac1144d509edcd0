using System.Text.Json;
using Archive.Data;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Formats.Models;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Models;

/// <summary>A unit in the list: the numbers the table shows, sorted by layer and channel.</summary>
public sealed record UnitSummary(string Unit, string Layer, int Channel, string Role, double PreferredOrientation, double? Selectivity, double? Fwhm, double Peak);

/// <summary>The latest finished evidence of a claim that targets a unit, on a specimen the viewer may see.</summary>
public sealed record UnitClaim(string SpecimenSlug, string SpecimenTitle, string Key, string Statement, string Method,
    EvidenceVerdict? Verdict, EvidenceStatus? Status, double? Headline, Guid? RunId);

/// <summary>The unit list, one unit's atlas entry and the claims about it: the same reads for the pages and the API.</summary>
public static class UnitQueries
{
    public static Task<List<UnitSummary>> ListAsync(ArchiveDbContext db, string modelSlug, CancellationToken ct) =>
        db.ModelUnits.AsNoTracking().Where(u => u.Model.Slug == modelSlug)
            .OrderBy(u => u.Layer).ThenBy(u => u.Channel)
            .Select(u => new UnitSummary(u.Unit, u.Layer, u.Channel, u.Role, u.PreferredOrientation, u.Selectivity, u.Fwhm, u.Peak))
            .ToListAsync(ct);

    public static async Task<UnitRecord?> FindAsync(ArchiveDbContext db, string modelSlug, string unit, CancellationToken ct)
    {
        var json = await db.ModelUnits.AsNoTracking().Where(u => u.Model.Slug == modelSlug && u.Unit == unit).Select(u => u.AtlasJson).SingleOrDefaultAsync(ct);
        return json is null ? null : JsonSerializer.Deserialize<UnitRecord>(json, UnitAtlas.JsonOptions);
    }

    /// <summary>Claims of the current revisions of specimens of this model that name the unit among their targets.</summary>
    public static Task<List<UnitClaim>> ClaimsAsync(ArchiveDbContext db, SpecimenViewer viewer, string modelSlug, string unit, CancellationToken ct)
    {
        var visible = db.Specimens.ViewableIds(viewer);
        return db.Claims.AsNoTracking()
            .Where(c => c.Targets.Contains(unit) && c.Revision.Specimen.Model.Slug == modelSlug
                && c.RevisionId == c.Revision.Specimen.CurrentRevisionId && visible.Contains(c.Revision.SpecimenId))
            .OrderBy(c => c.Revision.Specimen.Slug).ThenBy(c => c.Key)
            .Select(c => new
            {
                c.Revision.Specimen.Slug, c.Revision.Specimen.Title, c.Key, c.Statement, c.Method,
                Run = c.EvidenceRuns.Where(r => r.FinishedAt != null).OrderByDescending(r => r.FinishedAt)
                    .Select(r => new { r.Id, r.Verdict, r.Status, r.HeadlineValue }).FirstOrDefault(),
            })
            .Select(c => new UnitClaim(c.Slug, c.Title, c.Key, c.Statement, c.Method,
                c.Run == null ? null : c.Run.Verdict, c.Run == null ? null : c.Run.Status, c.Run == null ? null : c.Run.HeadlineValue, c.Run == null ? null : c.Run.Id))
            .ToListAsync(ct);
    }
}

/// <summary>Where a unit's page is: <c>/models/{model}/units/{unit}</c>, the unit's colon kept (a path may hold one).</summary>
public static class UnitLinks
{
    public static string Page(string modelSlug, string unit) => $"/models/{Uri.EscapeDataString(modelSlug)}/units/{Uri.EscapeDataString(unit).Replace("%3A", ":", StringComparison.Ordinal)}";
}
