using System.Security.Claims;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
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
    DateTimeOffset? FinishedAt,
    EvidencePriority Priority,
    DateTimeOffset? CancelRequestedAt,
    double? HeadlineChange,
    bool Drifted,
    bool Stale,
    string? Phase,
    int? Step,
    int? StepCount,
    int? QueuePosition,
    IReadOnlyList<EvidenceAttemptResponse> Attempts);

/// <summary>One worker's lease on a run.</summary>
public sealed record EvidenceAttemptResponse(int Number, string Worker, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, EvidenceAttemptOutcome? Outcome, string? Error);

public static class EvidenceApi
{
    public static RouteGroupBuilder MapEvidenceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Evidence");
        api.MapPost("/claims/{claimId:int}/evidence", RequestEvidence).WithName(nameof(RequestEvidence))
            .WithSummary("Queues a re-run of the claim's evidence; the worker picks it up at once.")
            .RequireRateLimiting(RateLimits.EvidenceRequests);
        api.MapGet("/evidence/{id:guid}", GetEvidenceRun).WithName(nameof(GetEvidenceRun))
            .WithSummary("An evidence record with its attempts (which worker held it, when, and how each lease ended).");
        api.MapPost("/evidence/{id:guid}/cancel", CancelEvidenceRun).WithName(nameof(CancelEvidenceRun))
            .WithSummary("Cancels a queued run at once, or a running one at its worker's next step; 409 when it has already finished.")
            .RequireRateLimiting(RateLimits.EvidenceRequests);
        api.MapGet("/claims/{claimId:int}/evidence", ListClaimEvidence).WithName(nameof(ListClaimEvidence));
        api.MapMethods("/evidence/{id:guid}/inputs/{sha256}", [HttpMethods.Get, HttpMethods.Head], GetEvidenceInput).WithName(nameof(GetEvidenceInput))
            .WithSummary("An input file the record names by sha256 (a token set: its ids as little-endian int32), streamed from the blob store.");
        return api;
    }

    public static async Task<Results<Accepted<EvidenceRunResponse>, ProblemHttpResult>> RequestEvidence(
        ArchiveDbContext db, ClaimsPrincipal user, int claimId, CancellationToken ct)
    {
        var visible = db.SpecimenRevisions.ViewableRevisionIds(user.Viewer());
        var exists = await db.Claims.AsNoTracking().AnyAsync(c => c.Id == claimId && visible.Contains(c.RevisionId), ct);
        if (!exists) return SpecimensApi.NotFoundProblem($"No claim {claimId} that you may see.");
        var request = await EvidenceRequests.QueueAsync(db, claimId, "api", EvidencePriority.Person, ct);
        if (!request.Created)
        {
            return TypedResults.Problem($"Evidence run {request.RunId} for this claim is already queued or running.",
                instance: $"/api/v1/evidence/{request.RunId}", title: "Already queued", statusCode: StatusCodes.Status409Conflict);
        }
        return TypedResults.Accepted($"/api/v1/evidence/{request.RunId}", (await LoadAsync(db, user.Viewer(), request.RunId, ct))!);
    }

    public static async Task<Results<Accepted<EvidenceRunResponse>, ProblemHttpResult>> CancelEvidenceRun(
        ArchiveDbContext db, ClaimsPrincipal user, Guid id, CancellationToken ct)
    {
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(user.Viewer());
        var visible = await db.EvidenceRuns.AsNoTracking().AnyAsync(r => r.Id == id && viewable.Contains(r.Claim.RevisionId), ct);
        if (!visible) return SpecimensApi.NotFoundProblem($"No evidence run {id}.");
        if (!await EvidenceRequests.CancelAsync(db, id, ct))
        {
            return TypedResults.Problem($"Evidence run {id} has already finished.", instance: $"/api/v1/evidence/{id}", title: "Already finished",
                statusCode: StatusCodes.Status409Conflict);
        }
        return TypedResults.Accepted($"/api/v1/evidence/{id}", (await LoadAsync(db, user.Viewer(), id, ct))!);
    }

    /// <summary>Only files the record itself names are served, so the endpoint reveals nothing a record does not.</summary>
    public static async Task<Results<BlobFileResult, ProblemHttpResult>> GetEvidenceInput(
        ArchiveDbContext db, ClaimsPrincipal user, Guid id, string sha256, CancellationToken ct)
    {
        if (!ContentHash.TryParse(sha256, out var hash)) return SpecimensApi.NotFoundProblem($"'{sha256}' is not a sha256.");
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(user.Viewer());
        var run = await db.EvidenceRuns.AsNoTracking()
            .Where(r => r.Id == id && viewable.Contains(r.Claim.RevisionId))
            .Select(r => new { r.Inputs, r.Claim.Revision.Specimen.Status }).SingleOrDefaultAsync(ct);
        if (run?.Inputs is not { } inputs || !NamesFile(inputs.RootElement, hash.Hex)) return SpecimensApi.NotFoundProblem($"Evidence run {id} names no input {hash}.");
        var size = await db.Blobs.AsNoTracking().Where(b => b.Sha256 == hash.Hex).Select(b => (long?)b.SizeBytes).SingleOrDefaultAsync(ct);
        return size is { } length
            // The URL names the bytes by their hash: they never change. A draft's stay out of shared caches.
            ? new BlobFileResult(hash, length, $"input-{hash.Hex[..12]}.bin", immutable: true, shared: SpecimenVisibility.Public.Contains(run.Status))
            : SpecimensApi.NotFoundProblem($"The archive no longer holds input {hash}.");
    }

    private static bool NamesFile(JsonElement inputs, string sha256) => inputs.ValueKind switch
    {
        JsonValueKind.Object => inputs.EnumerateObject().Any(p => (p.Name == "sha256" || p.Name.EndsWith("_sha256", StringComparison.Ordinal)) && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == sha256 || NamesFile(p.Value, sha256)),
        JsonValueKind.Array => inputs.EnumerateArray().Any(e => NamesFile(e, sha256)),
        _ => false,
    };

    public static async Task<Results<Ok<EvidenceRunResponse>, ProblemHttpResult>> GetEvidenceRun(
        ArchiveDbContext db, ClaimsPrincipal user, Guid id, CancellationToken ct) =>
        await LoadAsync(db, user.Viewer(), id, ct) is { } run ? TypedResults.Ok(run) : SpecimensApi.NotFoundProblem($"No evidence run {id}.");

    /// <summary>A claim's runs, newest first; a claim the caller may not see has none (not a 404, which would confirm it exists).</summary>
    public static async Task<Ok<List<EvidenceRunResponse>>> ListClaimEvidence(ArchiveDbContext db, ClaimsPrincipal user, int claimId, CancellationToken ct) =>
        TypedResults.Ok(await Project(Visible(db, user.Viewer()).Where(r => r.ClaimId == claimId).OrderByDescending(r => r.RequestedAt).Take(100)).ToListAsync(ct));

    public static Task<EvidenceRunResponse?> LoadAsync(ArchiveDbContext db, SpecimenViewer viewer, Guid id, CancellationToken ct) =>
        Project(Visible(db, viewer).Where(r => r.Id == id)).SingleOrDefaultAsync(ct);

    private static IQueryable<EvidenceRun> Visible(ArchiveDbContext db, SpecimenViewer viewer)
    {
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(viewer);
        return db.EvidenceRuns.AsNoTracking().Where(r => viewable.Contains(r.Claim.RevisionId));
    }

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
            r.Error, r.RequestedAt, r.StartedAt, r.FinishedAt, r.Priority, r.CancelRequestedAt, r.HeadlineChange, r.Drifted, r.Stale,
            r.Phase, r.Step, r.StepCount,
            EvidenceRun.QueuePosition(r.Id),
            r.AttemptRecords.OrderBy(a => a.Number).Select(a => new EvidenceAttemptResponse(a.Number, a.Worker, a.StartedAt, a.EndedAt, a.Outcome, a.Error)).ToList()));
}
