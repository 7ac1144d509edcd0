using System.Linq.Expressions;

namespace Archive.Data.Specimens;

/// <summary>Who is looking: an account (or nobody), and whether they may see every draft (reviewers and admins).</summary>
public sealed record SpecimenViewer(int? UserId, bool SeesEveryDraft)
{
    /// <summary>Anonymous visitors, and API keys without the read scope.</summary>
    public static readonly SpecimenViewer Public = new(null, false);
}

/// <summary>
/// Who may see a specimen, and everything under it (revisions, circuits, claims, evidence runs, files): the one rule
/// every page and endpoint filters by. Everyone sees published specimens and retracted ones (whose pages say why);
/// drafts and specimens in review are seen by their submitter, reviewers and admins. Listings, search and counts show
/// published ones only, to everyone: a reviewer's library is the reader's library.
/// </summary>
public static class SpecimenVisibility
{
    /// <summary>Statuses whose specimens anyone may open.</summary>
    public static readonly SpecimenStatus[] Public = [SpecimenStatus.Published, SpecimenStatus.Retracted];

    /// <summary>Statuses whose specimens lists, search and counts show.</summary>
    public static readonly SpecimenStatus[] Listed = [SpecimenStatus.Published];

    /// <summary>The specimens <paramref name="viewer"/> may open, as a predicate EF Core translates.</summary>
    public static Expression<Func<Specimen, bool>> ViewableBy(SpecimenViewer viewer)
    {
        if (viewer.SeesEveryDraft) return s => true;
        var userId = viewer.UserId;
        if (userId is null) return s => Public.Contains(s.Status);
        return s => Public.Contains(s.Status) || s.SubmittedById == userId;
    }

    /// <summary>
    /// The revisions <paramref name="viewer"/> may open, and so their writeups, circuits, claims and evidence runs:
    /// those of specimens they may open, except that a public specimen's revisions after its current one (a proposal
    /// its author is drafting or reviewers are reviewing) and proposals a reviewer rejected are seen only by its
    /// submitter, reviewers and admins.
    /// </summary>
    public static Expression<Func<SpecimenRevision, bool>> RevisionViewableBy(SpecimenViewer viewer)
    {
        if (viewer.SeesEveryDraft) return r => true;
        var userId = viewer.UserId;
        if (userId is null)
            return r => Public.Contains(r.Specimen.Status) && r.Number <= r.Specimen.CurrentRevision!.Number && !r.Specimen.RejectedRevisions.Contains(r.Number);
        return r => r.Specimen.SubmittedById == userId
            || (Public.Contains(r.Specimen.Status) && r.Number <= r.Specimen.CurrentRevision!.Number && !r.Specimen.RejectedRevisions.Contains(r.Number));
    }

    /// <summary>
    /// The ids of the revisions <paramref name="viewer"/> may open, for filtering what hangs under a revision
    /// (<c>.Where(r => visible.Contains(r.Claim.RevisionId))</c>).
    /// </summary>
    public static IQueryable<int> ViewableRevisionIds(this IQueryable<SpecimenRevision> revisions, SpecimenViewer viewer) =>
        revisions.Where(RevisionViewableBy(viewer)).Select(r => r.Id);

    /// <summary>
    /// The ids of the specimens <paramref name="viewer"/> may open, for filtering what hangs under a specimen
    /// (<c>.Where(r => visible.Contains(r.Claim.Revision.SpecimenId))</c>): PostgreSQL runs it as a semi-join.
    /// </summary>
    public static IQueryable<int> ViewableIds(this IQueryable<Specimen> specimens, SpecimenViewer viewer) =>
        specimens.Where(ViewableBy(viewer)).Select(s => s.Id);
}
