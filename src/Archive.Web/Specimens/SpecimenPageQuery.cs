using Archive.Data;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Circuits;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Specimens;

public sealed record SpecimenModelCard(
    string Slug,
    string Name,
    string Architecture,
    int NLayers,
    int DModel,
    int NHeads,
    int DVocab,
    int NCtx,
    bool AttnOnly,
    long ParameterCount,
    long SizeBytes,
    string Sha256,
    string WeightsFileName,
    bool HasUnits = false)
{
    /// <summary>Where the model's unit pages are (<c>/models/{slug}/units</c>): circuit nodes that are units link there.</summary>
    public string? UnitBaseUrl => HasUnits ? $"/models/{Uri.EscapeDataString(Slug)}/units" : null;
}

public sealed record SpecimenHeader(
    int Id,
    string Slug,
    string Title,
    string Summary,
    string Behaviour,
    SpecimenStatus Status,
    ClaimStatus ClaimStatus,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<string> Authors,
    int? CurrentRevisionId,
    DateTimeOffset? PublishedAt,
    DateTimeOffset UpdatedAt,
    string? SubmittedBy,
    SpecimenModelCard Model);

public sealed record RevisionListItem(int Id, int Number, string Message, string? CreatedBy, DateTimeOffset CreatedAt);

public sealed record EvidenceRunSummary(Guid Id, EvidenceStatus Status, EvidenceVerdict? Verdict, double? HeadlineValue, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt);

public sealed record ClaimRow(
    int Id,
    string Key,
    string Statement,
    string Method,
    IReadOnlyList<string> Targets,
    ClaimComparison Comparison,
    double Expected,
    double? ExpectedUpper,
    double Tolerance,
    int RunCount,
    EvidenceRunSummary? LatestRun,
    EvidenceRunSummary? LatestFinishedRun);

/// <summary>Everything the specimen page shows for one revision.</summary>
public sealed record SpecimenPageData(
    SpecimenHeader Specimen,
    IReadOnlyList<RevisionListItem> Revisions,
    RevisionListItem? Shown,
    string WriteupMarkdown,
    IReadOnlyList<ClaimRow> Claims,
    IReadOnlyList<CircuitDiagramData> Circuits)
{
    public RevisionListItem? Current => Revisions.FirstOrDefault(r => r.Id == Specimen.CurrentRevisionId);
    public bool IsOldRevision => Shown is not null && Current is not null && Shown.Id != Current.Id;

    /// <summary>The reviewer's reason, shown on a retracted specimen's page.</summary>
    public string? RetractionReason { get; init; }
}

/// <summary>
/// The specimen page's reads: a fixed handful of queries whatever the size of the specimen (header with its model,
/// revision list, writeup, claims with their latest runs, circuits with nodes and edges), all no-tracking projections.
/// </summary>
public static class SpecimenPageQuery
{
    /// <returns>Null when there is no such specimen that <paramref name="viewer"/> may see, or no such revision of it.</returns>
    public static async Task<SpecimenPageData?> LoadAsync(ArchiveDbContext db, SpecimenViewer viewer, string slug, int? revisionNumber, CancellationToken ct)
    {
        var specimen = await db.Specimens.AsNoTracking()
            .Where(SpecimenVisibility.ViewableBy(viewer))
            .Where(s => s.Slug == slug)
            .Select(s => new SpecimenHeader(
                s.Id, s.Slug, s.Title, s.Summary, s.Behaviour, s.Status, s.ClaimStatus, s.Tags, s.Techniques, s.Authors,
                s.CurrentRevisionId, s.PublishedAt, s.UpdatedAt,
                s.SubmittedBy == null ? null : s.SubmittedBy.DisplayName,
                new SpecimenModelCard(
                    s.Model.Slug, s.Model.Name, s.Model.Architecture, s.Model.NLayers, s.Model.DModel, s.Model.NHeads,
                    s.Model.DVocab, s.Model.NCtx, s.Model.AttnOnly, s.Model.ParameterCount, s.Model.SizeBytes,
                    s.Model.Sha256, s.Model.WeightsFileName, s.Model.UnitAtlasSha256 != null)))
            .SingleOrDefaultAsync(ct);
        if (specimen is null) return null;
        var retractionReason = specimen.Status == SpecimenStatus.Retracted
            ? await db.ReviewEvents.AsNoTracking().Where(e => e.SpecimenId == specimen.Id && e.Action == Archive.Data.Reviews.ReviewAction.Retracted)
                .OrderByDescending(e => e.CreatedAt).Select(e => e.Body).FirstOrDefaultAsync(ct)
            : null;

        // A published specimen's proposed revision is listed for its author and reviewers only.
        var revisions = await db.SpecimenRevisions.AsNoTracking()
            .Where(SpecimenVisibility.RevisionViewableBy(viewer))
            .Where(r => r.SpecimenId == specimen.Id)
            .OrderByDescending(r => r.Number)
            .Select(r => new RevisionListItem(r.Id, r.Number, r.Message, r.CreatedBy, r.CreatedAt))
            .ToListAsync(ct);

        var shown = revisionNumber is { } n
            ? revisions.FirstOrDefault(r => r.Number == n)
            : revisions.FirstOrDefault(r => r.Id == specimen.CurrentRevisionId) ?? revisions.FirstOrDefault();
        if (revisionNumber is not null && shown is null) return null;
        if (shown is null) return new SpecimenPageData(specimen, revisions, null, "", [], []);

        var writeup = await db.SpecimenRevisions.AsNoTracking()
            .Where(r => r.Id == shown.Id)
            .Select(r => r.WriteupMarkdown)
            .SingleAsync(ct);

        var claims = await db.Claims.AsNoTracking()
            .Where(c => c.RevisionId == shown.Id)
            .OrderBy(c => c.Id)
            .Select(c => new ClaimRow(
                c.Id, c.Key, c.Statement, c.Method, c.Targets, c.Comparison, c.Expected, c.ExpectedUpper, c.Tolerance,
                c.EvidenceRuns.Count,
                c.EvidenceRuns
                    .OrderByDescending(r => r.RequestedAt)
                    .Select(r => new EvidenceRunSummary(r.Id, r.Status, r.Verdict, r.HeadlineValue, r.RequestedAt, r.FinishedAt))
                    .FirstOrDefault(),
                c.EvidenceRuns
                    .Where(r => r.Status == EvidenceStatus.Succeeded || r.Status == EvidenceStatus.Failed)
                    .OrderByDescending(r => r.FinishedAt)
                    .Select(r => new EvidenceRunSummary(r.Id, r.Status, r.Verdict, r.HeadlineValue, r.RequestedAt, r.FinishedAt))
                    .FirstOrDefault()))
            .ToListAsync(ct);

        var circuits = await LoadCircuitsAsync(db, shown.Id, ct);
        if (circuits.Count > 0)
        {
            var graphs = await Archive.Web.Graphs.GraphAttachments.ForSpecimenAsync(db, specimen.Id, ct);
            circuits = [.. circuits.Select(c => c with { Graphs = [.. graphs[c.Slug]] })];
        }
        return new SpecimenPageData(specimen, revisions, shown, writeup, claims, circuits) { RetractionReason = retractionReason };
    }

    public static async Task<List<CircuitDiagramData>> LoadCircuitsAsync(ArchiveDbContext db, int revisionId, CancellationToken ct)
    {
        var circuits = await db.Circuits.AsNoTracking()
            .Where(c => c.RevisionId == revisionId)
            .OrderBy(c => c.Id)
            .Select(c => new { c.Id, c.Slug, c.Title, c.Description, c.Prompt, c.PromptTokens })
            .ToListAsync(ct);
        if (circuits.Count == 0) return [];

        var ids = circuits.Select(c => c.Id).ToList();
        var nodes = await db.CircuitNodes.AsNoTracking()
            .Where(n => ids.Contains(n.CircuitId))
            .Select(n => new
            {
                n.CircuitId,
                Node = new CircuitDiagramNode(
                    n.Key, n.Kind, n.Layer, n.Head, n.Index, n.Position, n.Label, n.Description,
                    db.FeatureDictionaries.Where(d => d.Id == n.FeatureDictionaryId).Select(d => d.Slug).FirstOrDefault(),
                    n.Activation, n.Influence),
            })
            .ToListAsync(ct);
        var edges = await db.CircuitEdges.AsNoTracking()
            .Where(e => ids.Contains(e.CircuitId))
            .OrderBy(e => e.Id)
            .Select(e => new { e.CircuitId, Edge = new CircuitDiagramEdge(e.SourceKey, e.TargetKey, e.Weight, e.Kind) })
            .ToListAsync(ct);

        var nodesBy = nodes.ToLookup(n => n.CircuitId, n => n.Node);
        var edgesBy = edges.ToLookup(e => e.CircuitId, e => e.Edge);
        return circuits
            .Select(c => new CircuitDiagramData(c.Slug, c.Title, c.Description, c.Prompt, c.PromptTokens, nodesBy[c.Id].ToList(), edgesBy[c.Id].ToList()))
            .ToList();
    }
}
