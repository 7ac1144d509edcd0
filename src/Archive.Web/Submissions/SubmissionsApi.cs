using System.Security.Claims;
using Archive.Data;
using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Web.Submissions;

/// <summary>A submission as stored: where its draft is, and the claims the worker is checking.</summary>
/// <param name="Proposal">The revision was proposed for your published specimen: readers keep the published one until a reviewer publishes this one (<paramref name="Status"/> is the proposal's).</param>
public sealed record SubmissionResponse(string Slug, int Revision, SpecimenStatus Status, string Url, string ApiUrl, IReadOnlyList<SubmittedClaim> Claims, IReadOnlyList<string> Warnings,
    bool Proposal);

/// <summary>One of the caller's specimens, drafts and published alike.</summary>
public sealed record OwnSpecimenResponse(string Slug, string Title, SpecimenStatus Status, ClaimStatus ClaimStatus, int Revisions, DateTimeOffset UpdatedAt, string Url);

public static class SubmissionsApi
{
    public static IEndpointRouteBuilder MapSubmissionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/submissions").WithTags("Submissions").RequireAuthorization(ArchivePolicies.Submit);
        // A key, not a cookie, signs API calls in, so there is no cross-site form to guard against.
        api.MapPost("", Submit).WithName("Submit").DisableAntiforgery().RequireRateLimiting(RateLimits.Submissions)
            .Accepts<IFormFile>("multipart/form-data", "application/zip")
            .WithSummary("Creates (or revises) your draft, or proposes the next revision of your published specimen, from a bundle in one request: multipart (a 'manifest' part, specimen.json, and one part per file, named by its path) or the bundle folder as one zip.")
            .WithDescription("Everything is checked before anything is stored; every fault is listed in the 400 problem's 'errors'. The draft's claims are queued for evidence at once.");
        api.MapGet("", ListOwn).WithName("ListOwnSpecimens").WithSummary("Your specimens: drafts, in review, published and retracted.");
        return app;
    }

    public static async Task<Results<Created<SubmissionResponse>, ProblemHttpResult>> Submit(
        HttpContext http, ClaimsPrincipal principal, UserManager<User> users, SubmissionImporter importer, IBlobStore store,
        IOptions<ArchiveOptions> options, CancellationToken ct)
    {
        var submitter = await users.GetUserAsync(principal);
        if (submitter is null) return TypedResults.Problem("The key's account no longer exists.", statusCode: StatusCodes.Status401Unauthorized);
        try
        {
            if (!RequestBodyLimit.TryRaise(http.Request, options.Value.MaxUploadBytes)) throw SubmissionUpload.TooLarge(options.Value.MaxUploadBytes);
            await using var upload = http.Request.ContentType?.StartsWith("application/zip", StringComparison.OrdinalIgnoreCase) == true
                ? await SubmissionUpload.ReadZipAsync(http.Request.Body, store, options.Value.MaxUploadBytes, ct)
                : await SubmissionUpload.ReadAsync(http.Request, store, options.Value.MaxUploadBytes, ct);
            var result = await importer.ImportAsync(submitter, upload, ct);
            var url = $"{http.Request.Scheme}://{http.Request.Host}/specimens/{result.Slug}";
            var apiUrl = $"/api/v1/specimens/{result.Slug}";
            return TypedResults.Created(apiUrl, new SubmissionResponse(result.Slug, result.Revision, result.Status, url, apiUrl, result.Claims, result.Warnings, result.Proposal));
        }
        catch (SubmissionRefusedException problem)
        {
            if (problem.Status == StatusCodes.Status413PayloadTooLarge) http.Response.Headers.Connection = "close";
            return TypedResults.Problem(problem.Faults.Count == 1 ? problem.Faults[0] : $"{problem.Faults.Count} faults; see 'errors'.",
                title: problem.Title, statusCode: problem.Status, extensions: new Dictionary<string, object?> { ["errors"] = problem.Faults });
        }
    }

    public static async Task<Ok<List<OwnSpecimenResponse>>> ListOwn(HttpContext http, ClaimsPrincipal principal, ArchiveDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LoadOwnAsync(db, principal.UserId(), $"{http.Request.Scheme}://{http.Request.Host}", ct));

    /// <summary>An account's specimens, newest change first: the API's list and the <c>/submissions</c> page.</summary>
    public static Task<List<OwnSpecimenResponse>> LoadOwnAsync(ArchiveDbContext db, int? userId, string site, CancellationToken ct) =>
        db.Specimens.AsNoTracking().Where(s => s.SubmittedById == userId).OrderByDescending(s => s.UpdatedAt)
            .Select(s => new OwnSpecimenResponse(s.Slug, s.Title, s.Status, s.ClaimStatus, s.Revisions.Count, s.UpdatedAt, site + "/specimens/" + s.Slug))
            .ToListAsync(ct);
}
