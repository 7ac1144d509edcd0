using Archive.Data;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Archive.Web.Infrastructure;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Evidence;

/// <summary>
/// The evidence page's "Re-run evidence" button: a plain HTML form POST, antiforgery-checked here (a 400 problem when the
/// token is missing or stale, rather than the exception a form-binding endpoint would raise), that queues a run through
/// <see cref="EvidenceRequests"/> as <c>POST /api/v1/claims/{claimId}/evidence</c> does and answers 303 See Other to the new
/// run's page. When a run of the claim is already queued or running it goes to that one instead.
/// </summary>
public static class EvidenceRerunForm
{
    public static IEndpointRouteBuilder MapEvidenceRerunForm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/evidence/{id:guid}/rerun", RerunEvidence)
            .RequireRateLimiting(RateLimits.EvidenceRequests)
            .ExcludeFromDescription();
        app.MapPost("/evidence/{id:guid}/cancel", CancelEvidence)
            .RequireRateLimiting(RateLimits.EvidenceRequests)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The page's "Cancel" button: cancels through <see cref="EvidenceRequests"/>, then back to the run's page.</summary>
    public static async Task<Results<StatusCodeHttpResult, NotFound, ProblemHttpResult>> CancelEvidence(
        ArchiveDbContext db, IAntiforgery antiforgery, HttpContext http, Guid id, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return InvalidForm();
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(http.User.Viewer());
        var visible = await db.EvidenceRuns.AsNoTracking().AnyAsync(r => r.Id == id && viewable.Contains(r.Claim.RevisionId), ct);
        if (!visible) return TypedResults.NotFound();
        await EvidenceRequests.CancelAsync(db, id, ct); // already finished: the page shows how it ended
        return FormResults.SeeOther(http, $"/evidence/{id}");
    }

    private static ProblemHttpResult InvalidForm() =>
        FormResults.Invalid("The form was not sent from this site's evidence page, or it has expired. Reload the page and try again.");

    public static async Task<Results<StatusCodeHttpResult, NotFound, ProblemHttpResult>> RerunEvidence(
        ArchiveDbContext db, IAntiforgery antiforgery, HttpContext http, Guid id, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return InvalidForm();
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(http.User.Viewer());
        var claimId = await db.EvidenceRuns.AsNoTracking()
            .Where(r => r.Id == id && viewable.Contains(r.Claim.RevisionId))
            .Select(r => (int?)r.ClaimId).SingleOrDefaultAsync(ct);
        if (claimId is null) return TypedResults.NotFound();
        // Whether this request queued the run or one was already pending, the page to show is that run's.
        var request = await EvidenceRequests.QueueAsync(db, claimId.Value, "page", EvidencePriority.Person, ct);
        return FormResults.SeeOther(http, $"/evidence/{request.RunId}");
    }
}
