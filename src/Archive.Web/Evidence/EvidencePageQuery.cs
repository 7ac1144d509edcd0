using System.Text.Json;
using Archive.Data;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Specimens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Evidence;

/// <summary>The claim a run checks, with where it lives (specimen revision) and the model it runs on.</summary>
public sealed record EvidenceClaimView(
    int Id,
    string Key,
    string Statement,
    string Method,
    IReadOnlyList<string> Targets,
    ClaimComparison Comparison,
    double Expected,
    double? ExpectedUpper,
    double Tolerance,
    string SpecimenSlug,
    string SpecimenTitle,
    SpecimenStatus SpecimenStatus,
    int RevisionNumber,
    bool IsCurrentRevision,
    string ModelSlug,
    string ModelName,
    string ModelSha256,
    int NLayers,
    int NHeads);

public sealed record EvidenceRunView(
    Guid Id,
    EvidenceStatus Status,
    EvidenceVerdict? Verdict,
    double? HeadlineValue,
    JsonElement? Parameters,
    JsonElement? Inputs,
    JsonElement? Numbers,
    JsonElement? Artifacts,
    JsonElement? Provenance,
    string? Error,
    string? RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? HeadlineChange,
    bool Drifted,
    bool Stale,
    string? Phase,
    int? Step,
    int? StepCount)
{
    public bool IsPending => EvidenceRun.IsPendingStatus(Status);
}

public sealed record EvidenceHistoryItem(Guid Id, EvidenceStatus Status, EvidenceVerdict? Verdict, double? HeadlineValue, string? RequestedBy,
    DateTimeOffset RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>The expectation a verdict was judged against: as recorded in the run's provenance, or the claim's own while
/// the run has not finished.</summary>
public sealed record EvidenceExpectation(ClaimComparison Comparison, double Expected, double? ExpectedUpper, double Tolerance, bool Recorded)
{
    private ClaimExpectation Rule => new(Comparison, Expected, ExpectedUpper, Tolerance);

    /// <summary>The range the worker accepts (<see cref="ClaimExpectation"/>): the comparison widened by the tolerance.</summary>
    public string AcceptedRange => (Rule.Lower, Rule.Upper) switch
    {
        ({ } lower, null) => $"≥ {Components.Shared.Format.Number(lower)}",
        (null, { } upper) => $"≤ {Components.Shared.Format.Number(upper)}",
        var (lower, upper) => $"[{Components.Shared.Format.Number(lower)}, {Components.Shared.Format.Number(upper)}]",
    };

    /// <summary>How far inside (positive) or outside (negative) the accepted range the value lies.</summary>
    public double Margin(double value) => Rule.Margin(value);
}

public sealed record EvidencePageData(EvidenceRunView Run, EvidenceClaimView Claim, IReadOnlyList<EvidenceHistoryItem> History)
{
    public EvidenceHistoryItem? PendingRun => History.FirstOrDefault(h => EvidenceRun.IsPendingStatus(h.Status));

    public EvidenceExpectation Expectation
    {
        get
        {
            var p = Run.Provenance;
            if (EvidenceJson.String(p, "comparison") is { } c && Enum.TryParse<ClaimComparison>(c, out var comparison)
                && EvidenceJson.Double(p, "expected") is { } expected && EvidenceJson.Double(p, "tolerance") is { } tolerance)
            {
                return new EvidenceExpectation(comparison, expected, EvidenceJson.Double(p, "expected_upper"), tolerance, Recorded: true);
            }
            return new EvidenceExpectation(Claim.Comparison, Claim.Expected, Claim.ExpectedUpper, Claim.Tolerance, Recorded: false);
        }
    }
}

/// <summary>The evidence page's reads: the run, its claim with specimen and model, and the claim's other runs.</summary>
public static class EvidencePageQuery
{
    public const int HistoryLimit = 50;

    /// <returns>Null when there is no such run, or <paramref name="viewer"/> may not see its specimen.</returns>
    public static async Task<EvidencePageData?> LoadAsync(ArchiveDbContext db, SpecimenViewer viewer, Guid id, CancellationToken ct)
    {
        var viewable = db.SpecimenRevisions.ViewableRevisionIds(viewer);
        var row = await db.EvidenceRuns.AsNoTracking()
            .Where(r => r.Id == id && viewable.Contains(r.Claim.RevisionId))
            .Select(r => new
            {
                Run = new EvidenceRunView(
                    r.Id, r.Status, r.Verdict, r.HeadlineValue,
                    r.Parameters == null ? null : r.Parameters.RootElement,
                    r.Inputs == null ? null : r.Inputs.RootElement,
                    r.Numbers == null ? null : r.Numbers.RootElement,
                    r.Artifacts == null ? null : r.Artifacts.RootElement,
                    r.Provenance == null ? null : r.Provenance.RootElement,
                    r.Error, r.RequestedBy, r.RequestedAt, r.StartedAt, r.FinishedAt, r.HeadlineChange, r.Drifted, r.Stale,
                    r.Phase, r.Step, r.StepCount),
                Claim = new EvidenceClaimView(
                    r.Claim.Id, r.Claim.Key, r.Claim.Statement, r.Claim.Method, r.Claim.Targets, r.Claim.Comparison, r.Claim.Expected,
                    r.Claim.ExpectedUpper, r.Claim.Tolerance,
                    r.Claim.Revision.Specimen.Slug, r.Claim.Revision.Specimen.Title, r.Claim.Revision.Specimen.Status, r.Claim.Revision.Number,
                    r.Claim.Revision.Specimen.CurrentRevisionId == r.Claim.RevisionId,
                    r.Claim.Revision.Specimen.Model.Slug, r.Claim.Revision.Specimen.Model.Name, r.Claim.Revision.Specimen.Model.Sha256,
                    r.Claim.Revision.Specimen.Model.NLayers, r.Claim.Revision.Specimen.Model.NHeads),
            })
            .SingleOrDefaultAsync(ct);
        if (row is null) return null;

        var history = await db.EvidenceRuns.AsNoTracking()
            .Where(r => r.ClaimId == row.Claim.Id)
            .OrderByDescending(r => r.RequestedAt)
            .Take(HistoryLimit)
            .Select(r => new EvidenceHistoryItem(r.Id, r.Status, r.Verdict, r.HeadlineValue, r.RequestedBy, r.RequestedAt, r.StartedAt, r.FinishedAt))
            .ToListAsync(ct);
        return new EvidencePageData(row.Run, row.Claim, history);
    }
}
