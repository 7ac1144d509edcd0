using System.Security.Claims;
using Archive.Data;
using Archive.Data.Reviews;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Reviews;

/// <summary>A review step to take: <c>SubmittedForReview</c>, <c>Commented</c>, <c>ChangesRequested</c>, <c>Rejected</c>, <c>Published</c>, <c>Retracted</c>; a reason in <c>Body</c>.</summary>
public sealed record ReviewStepRequest(ReviewAction Action, string? Body, int? WriteupLine);

public sealed record ReviewEventResponse(long Id, int Revision, ReviewAction Action, string? Actor, string Body, int? WriteupLine, SpecimenStatus StatusAfter, DateTimeOffset CreatedAt);

/// <summary>A specimen waiting for a reviewer: a draft, or a published specimen's proposed revision (<paramref name="Proposal"/>).</summary>
public sealed record ReviewQueueItem(string Slug, string Title, string? Submitter, int Revision, ClaimStatus ClaimStatus, DateTimeOffset UpdatedAt, bool Proposal);

public static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Review");
        api.MapGet("/specimens/{slug}/review", ListSteps).WithName("ListReviewSteps")
            .WithSummary("A specimen's review history (to those who may see the specimen).");
        api.MapPost("/specimens/{slug}/review", TakeStep).WithName("TakeReviewStep").RequireAuthorization()
            .WithSummary("Asks for review (its submitter), comments, or decides: publish, request changes, reject, retract (reviewers).");
        api.MapGet("/review/queue", Queue).WithName("ReviewQueue").RequireAuthorization(ArchivePolicies.Review)
            .WithSummary("Specimens in review, oldest first.");
        return app;
    }

    public static async Task<Results<Ok<List<ReviewEventResponse>>, ProblemHttpResult>> ListSteps(ArchiveDbContext db, ClaimsPrincipal user, string slug, CancellationToken ct)
    {
        var viewer = user.Viewer();
        var specimen = await db.Specimens.AsNoTracking().Where(SpecimenVisibility.ViewableBy(viewer)).Where(s => s.Slug == slug)
            .Select(s => new { s.Id, s.SubmittedById }).SingleOrDefaultAsync(ct);
        if (specimen is null) return SpecimensApi.NotFoundProblem($"No specimen '{slug}' that you may see.");
        var seesProposal = viewer.SeesEveryDraft || (viewer.UserId is { } id && id == specimen.SubmittedById);
        return TypedResults.Ok(await LoadStepsAsync(db, specimen.Id, seesProposal, ct));
    }

    /// <param name="seesProposal">Whether the steps of a proposed revision (after the current one) are shown: to its author and reviewers only.</param>
    public static Task<List<ReviewEventResponse>> LoadStepsAsync(ArchiveDbContext db, int specimenId, bool seesProposal, CancellationToken ct) =>
        db.ReviewEvents.AsNoTracking().Where(e => e.SpecimenId == specimenId)
            .Where(e => seesProposal || e.Specimen.CurrentRevision == null || e.RevisionNumber <= e.Specimen.CurrentRevision.Number)
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id)
            .Select(e => new ReviewEventResponse(e.Id, e.RevisionNumber, e.Action, e.Actor == null ? null : e.Actor.Handle, e.Body, e.WriteupLine, e.StatusAfter, e.CreatedAt))
            .ToListAsync(ct);

    public static async Task<Results<Ok<ReviewEventResponse>, ProblemHttpResult>> TakeStep(
        ArchiveDbContext db, ClaimsPrincipal user, TimeProvider clock, string slug, ReviewStepRequest request, CancellationToken ct)
    {
        if (await ReviewActors.FindAsync(db, user, slug, ct) is not { } target) return SpecimensApi.NotFoundProblem($"No specimen '{slug}' that you may see.");
        var (recorded, refusal) = await ReviewSteps.TakeAsync(db, target.SpecimenId, target.Actor, request.Action, request.Body ?? "", request.WriteupLine, clock.GetUtcNow(), ct);
        if (recorded is null)
        {
            var status = target.Actor is { IsAuthor: false, IsReviewer: false } ? StatusCodes.Status403Forbidden : StatusCodes.Status409Conflict;
            return TypedResults.Problem(refusal, title: "Review step refused", statusCode: status);
        }
        return TypedResults.Ok(new ReviewEventResponse(recorded.Id, recorded.RevisionNumber, recorded.Action, user.Identity?.Name, recorded.Body,
            recorded.WriteupLine, recorded.StatusAfter, recorded.CreatedAt));
    }

    public static async Task<Ok<List<ReviewQueueItem>>> Queue(ArchiveDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LoadQueueAsync(db, ct));

    public static Task<List<ReviewQueueItem>> LoadQueueAsync(ArchiveDbContext db, CancellationToken ct) =>
        db.Specimens.AsNoTracking().Where(s => s.Status == SpecimenStatus.InReview || s.ProposalStatus == SpecimenStatus.InReview).OrderBy(s => s.UpdatedAt)
            .Select(s => new ReviewQueueItem(s.Slug, s.Title, s.SubmittedBy == null ? null : s.SubmittedBy.Handle,
                s.ProposedRevision != null ? s.ProposedRevision.Number : s.CurrentRevision == null ? 0 : s.CurrentRevision.Number,
                s.ClaimStatus, s.UpdatedAt, s.ProposedRevision != null))
            .ToListAsync(ct);
}
