using Archive.Web.Infrastructure;
using Archive.Data;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Evidence;

/// <summary>A claim's pending run after "re-check all": queued by this request, or already queued or running.</summary>
public sealed record RecheckedClaim(int ClaimId, string ClaimKey, Guid RunId, bool Queued);

/// <summary>
/// "Re-check all claims" of a specimen's current revision, from its page (a form) and the API: one run per claim through
/// <see cref="EvidenceRequests"/>, as bulk work (a person's single request goes first); claims with a pending run keep it.
/// One request against the rate limit, however many claims.
/// </summary>
public static class SpecimenRecheck
{
    /// <summary>The API endpoint, on the API's (versioned) route group.</summary>
    public static IEndpointRouteBuilder MapSpecimenRecheckApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/specimens/{slug}/evidence", RecheckSpecimen).WithName(nameof(RecheckSpecimen)).WithTags("Evidence")
            .WithSummary("Queues a re-run of every claim of the specimen's current revision (bulk priority); claims already pending keep their run.")
            .RequireRateLimiting(RateLimits.EvidenceRequests);
        return api;
    }

    /// <summary>The specimen page's form.</summary>
    public static IEndpointRouteBuilder MapSpecimenRecheckForm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/specimens/{slug}/recheck", RecheckFromPage).RequireRateLimiting(RateLimits.EvidenceRequests).ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<Accepted<List<RecheckedClaim>>, ProblemHttpResult>> RecheckSpecimen(ArchiveDbContext db, string slug, CancellationToken ct) =>
        await QueueAllAsync(db, slug, "api", ct) is { } queued
            ? TypedResults.Accepted($"/api/v1/specimens/{slug}", queued)
            : SpecimensApi.NotFoundProblem($"No public specimen '{slug}'.");

    public static async Task<Results<StatusCodeHttpResult, NotFound, ProblemHttpResult>> RecheckFromPage(
        ArchiveDbContext db, IAntiforgery antiforgery, HttpContext http, string slug, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return FormResults.Invalid("The form was not sent from this site's specimen page, or it has expired. Reload the page and try again.");
        if (await QueueAllAsync(db, slug, "page", ct) is null) return TypedResults.NotFound();
        return FormResults.SeeOther(http, $"/specimens/{Uri.EscapeDataString(slug)}#claims");
    }

    private static async Task<List<RecheckedClaim>?> QueueAllAsync(ArchiveDbContext db, string slug, string requestedBy, CancellationToken ct)
    {
        var revisionId = await db.Specimens.AsNoTracking()
            .Where(s => s.Slug == slug && SpecimenVisibility.Listed.Contains(s.Status))
            .Select(s => s.CurrentRevisionId).SingleOrDefaultAsync(ct);
        if (revisionId is null) return null;
        var claims = await db.Claims.AsNoTracking().Where(c => c.RevisionId == revisionId).OrderBy(c => c.Key).Select(c => new { c.Id, c.Key }).ToListAsync(ct);
        var result = new List<RecheckedClaim>(claims.Count);
        foreach (var claim in claims)
        {
            var request = await EvidenceRequests.QueueAsync(db, claim.Id, requestedBy, EvidencePriority.Bulk, ct);
            result.Add(new RecheckedClaim(claim.Id, claim.Key, request.RunId, request.Created));
        }
        return result;
    }
}
