using Archive.Data;
using Archive.Data.Evidence;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Evidence;

/// <summary>
/// The evidence page's "Re-run evidence" button: a plain HTML form POST, antiforgery-checked here (a 400 problem when the
/// token is missing or stale, rather than the exception a form-binding endpoint would raise), that queues a run exactly as <c>POST /api/claims/{claimId}/evidence</c> does and answers 303 See Other to the new
/// run's page. When a run of the claim is already queued or running it goes to that one instead.
/// </summary>
public static class EvidenceRerunForm
{
    public static IEndpointRouteBuilder MapEvidenceRerunForm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/evidence/{id:guid}/rerun", RerunEvidence)
            .RequireRateLimiting(EvidenceRateLimit.PolicyName)
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<StatusCodeHttpResult, NotFound, ProblemHttpResult>> RerunEvidence(
        ArchiveDbContext db, IAntiforgery antiforgery, HttpContext http, Guid id, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem("The form was not sent from this site's evidence page, or it has expired. Reload the page and try again.",
                title: "Invalid form", statusCode: StatusCodes.Status400BadRequest);
        }
        var claimId = await db.EvidenceRuns.AsNoTracking().Where(r => r.Id == id).Select(r => (int?)r.ClaimId).SingleOrDefaultAsync(ct);
        if (claimId is null) return TypedResults.NotFound();
        var pending = await db.EvidenceRuns.AsNoTracking()
            .Where(r => r.ClaimId == claimId && (r.Status == EvidenceStatus.Queued || r.Status == EvidenceStatus.Running))
            .Select(r => (Guid?)r.Id).FirstOrDefaultAsync(ct);
        if (pending is { } already) return SeeOther(http, $"/evidence/{already}");

        var queued = await EvidenceApi.RequestEvidence(db, claimId.Value, ct);
        return queued.Result switch
        {
            Accepted<EvidenceRunResponse> accepted => SeeOther(http, $"/evidence/{accepted.Value!.Id}"),
            // Queued by someone else a moment ago: back to the page, which shows it.
            ProblemHttpResult { StatusCode: StatusCodes.Status409Conflict } => SeeOther(http, $"/evidence/{id}"),
            _ => TypedResults.NotFound(),
        };
    }

    private static StatusCodeHttpResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }
}
