using System.Security.Claims;
using Archive.Data;
using Archive.Web.Accounts;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Archive.Web.Revisions;

public static class RevisionsApi
{
    public static IEndpointRouteBuilder MapRevisionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/specimens/{slug}/revisions/{number:int}/diff", GetRevisionDiff).WithTags("Specimens").WithName(nameof(GetRevisionDiff))
            .WithSummary("What changed in a revision: writeup hunks, circuit nodes and edges, claims. Compared with the previous revision, or with ?against=N.");
        return app;
    }

    public static async Task<Results<Ok<RevisionComparison>, ProblemHttpResult>> GetRevisionDiff(
        ArchiveDbContext db, ClaimsPrincipal user, string slug, int number, int? against, CancellationToken ct)
    {
        var comparison = await RevisionComparisonQuery.LoadAsync(db, user.Viewer(), slug, number, against, ct);
        if (comparison is not null) return TypedResults.Ok(comparison);
        // One answer for every miss, so it says nothing about drafts the caller may not see.
        return SpecimensApi.NotFoundProblem(against is { } a
            ? $"Specimen '{slug}' has no revisions {number} and {a} that you may see."
            : $"Specimen '{slug}' has no revision {number} that you may see with an earlier one to compare it with; pass ?against=N.");
    }
}
