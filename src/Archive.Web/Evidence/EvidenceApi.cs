using System.Text.Json;
using Archive.Data;
using Archive.Data.Evidence;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Evidence;

/// <summary>An evidence record (section 8 of the evidence methods), as stored.</summary>
public sealed record EvidenceRunResponse(
    Guid Id,
    int ClaimId,
    string ClaimKey,
    string ClaimStatement,
    string Method,
    string SpecimenSlug,
    int RevisionNumber,
    EvidenceStatus Status,
    EvidenceVerdict? Verdict,
    double? HeadlineValue,
    JsonElement? Parameters,
    JsonElement? Inputs,
    JsonElement? Numbers,
    JsonElement? Artifacts,
    JsonElement? Provenance,
    string? Error,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

public static class EvidenceApi
{
    public static RouteGroupBuilder MapEvidenceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Evidence");
        api.MapPost("/claims/{claimId:int}/evidence", RequestEvidence).WithName(nameof(RequestEvidence))
            .WithSummary("Queues a re-run of the claim's evidence; the worker picks it up at once.")
            .RequireRateLimiting(EvidenceRateLimit.PolicyName);
        api.MapGet("/evidence/{id:guid}", GetEvidenceRun).WithName(nameof(GetEvidenceRun));
        api.MapGet("/claims/{claimId:int}/evidence", ListClaimEvidence).WithName(nameof(ListClaimEvidence));
        return api;
    }

    public static async Task<Results<Accepted<EvidenceRunResponse>, ProblemHttpResult>> RequestEvidence(
        ArchiveDbContext db, int claimId, CancellationToken ct)
    {
        var claim = await db.Claims.AsNoTracking()
            .Where(c => c.Id == claimId && SpecimenPageQuery.PublicStatuses.Contains(c.Revision.Specimen.Status))
            .Select(c => new { c.Id, Pending = c.EvidenceRuns.Where(r => r.Status == EvidenceStatus.Queued || r.Status == EvidenceStatus.Running).Select(r => (Guid?)r.Id).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        if (claim is null) return SpecimensApi.NotFoundProblem($"No public claim {claimId}.");
        if (claim.Pending is { } pending)
        {
            return TypedResults.Problem($"Evidence run {pending} for this claim is already queued or running.",
                instance: $"/api/evidence/{pending}", title: "Already queued", statusCode: StatusCodes.Status409Conflict);
        }
        var run = new EvidenceRun { Id = Guid.CreateVersion7(), ClaimId = claimId, Status = EvidenceStatus.Queued, RequestedAt = DateTimeOffset.UtcNow, RequestedBy = "api" };
        db.EvidenceRuns.Add(run);
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({EvidenceChannels.Requested}, {run.Id.ToString()})", ct);
        return TypedResults.Accepted($"/api/evidence/{run.Id}", (await LoadAsync(db, run.Id, ct))!);
    }

    public static async Task<Results<Ok<EvidenceRunResponse>, ProblemHttpResult>> GetEvidenceRun(ArchiveDbContext db, Guid id, CancellationToken ct) =>
        await LoadAsync(db, id, ct) is { } run ? TypedResults.Ok(run) : SpecimensApi.NotFoundProblem($"No evidence run {id}.");

    public static async Task<Ok<List<EvidenceRunResponse>>> ListClaimEvidence(ArchiveDbContext db, int claimId, CancellationToken ct) =>
        TypedResults.Ok(await Project(db.EvidenceRuns.AsNoTracking().Where(r => r.ClaimId == claimId).OrderByDescending(r => r.RequestedAt).Take(100)).ToListAsync(ct));

    public static Task<EvidenceRunResponse?> LoadAsync(ArchiveDbContext db, Guid id, CancellationToken ct) =>
        Project(db.EvidenceRuns.AsNoTracking().Where(r => r.Id == id)).SingleOrDefaultAsync(ct);

    /// <summary>The wire form of evidence runs, in one query however many runs are read.</summary>
    private static IQueryable<EvidenceRunResponse> Project(IQueryable<EvidenceRun> runs) =>
        runs.Select(r => new EvidenceRunResponse(
            r.Id, r.ClaimId, r.Claim.Key, r.Claim.Statement, r.Claim.Method, r.Claim.Revision.Specimen.Slug, r.Claim.Revision.Number,
            r.Status, r.Verdict, r.HeadlineValue,
            r.Parameters == null ? null : r.Parameters.RootElement,
            r.Inputs == null ? null : r.Inputs.RootElement,
            r.Numbers == null ? null : r.Numbers.RootElement,
            r.Artifacts == null ? null : r.Artifacts.RootElement,
            r.Provenance == null ? null : r.Provenance.RootElement,
            r.Error, r.RequestedAt, r.StartedAt, r.FinishedAt));
}
