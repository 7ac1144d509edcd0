using System.Security.Claims;
using Archive.Data;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Archive.Web.Reviews;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Graphs;

/// <summary>A stored attribution graph as a specimen's circuit shows it.</summary>
public sealed record AttachedGraph(Guid Id, string Slug, string Scan, string Prompt, int NodeCount, int LinkCount)
{
    public string PageUrl => $"/graphs/{Id}";
    public string FileUrl => $"/api/v1/graphs/{Id}";
}

/// <summary>Where a graph is attached: the circuit and the specimen, for the graph's page.</summary>
public sealed record GraphAttachment(string SpecimenSlug, string SpecimenTitle, string CircuitSlug, string CircuitTitle);

/// <summary>
/// Attribution graphs attached to a specimen's circuit: the circuit-tracer graphs behind a hand-drawn circuit, browsable
/// from the specimen page. A circuit is named by its slug, which stays across revisions (each revision has its own circuit
/// rows), so a graph attached once stays with the circuit as the specimen is revised. The specimen's submitter or a
/// reviewer attaches and detaches; everyone who may see the specimen sees its graphs.
/// </summary>
public static class GraphAttachments
{
    public static RouteGroupBuilder MapGraphAttachmentsApi(this RouteGroupBuilder v1)
    {
        var api = v1.MapGroup("/specimens/{slug}/circuits/{circuit}/graphs").WithTags("Attribution graphs");
        api.MapGet("", ListAttached).WithName(nameof(ListAttached)).WithSummary("The stored attribution graphs attached to a circuit of a specimen.");
        api.MapPut("/{id:guid}", Attach).WithName(nameof(Attach)).RequireAuthorization()
            .WithSummary("Attaches a stored graph (POST /api/v1/graphs) to the circuit: the specimen's submitter (key scope submit) or a reviewer.");
        api.MapDelete("/{id:guid}", Detach).WithName(nameof(Detach)).RequireAuthorization().WithSummary("Detaches the graph from the circuit.");
        return api;
    }

    /// <summary>Graphs attached to the circuits of one specimen, by circuit slug.</summary>
    public static async Task<ILookup<string, AttachedGraph>> ForSpecimenAsync(ArchiveDbContext db, int specimenId, CancellationToken ct) =>
        (await db.AttributionGraphs.AsNoTracking().Where(g => g.Circuit != null && g.Circuit.Revision.SpecimenId == specimenId)
            .OrderBy(g => g.UploadedAt)
            .Select(g => new { Circuit = g.Circuit!.Slug, Graph = new AttachedGraph(g.Id, g.Slug, g.Scan, g.Prompt, g.NodeCount, g.LinkCount) })
            .ToListAsync(ct))
        .ToLookup(g => g.Circuit, g => g.Graph);

    /// <summary>Where a graph is attached, if the viewer may see that specimen.</summary>
    public static Task<GraphAttachment?> WhereAsync(ArchiveDbContext db, SpecimenViewer viewer, Guid graphId, CancellationToken ct)
    {
        var visible = db.SpecimenRevisions.ViewableRevisionIds(viewer);
        return db.AttributionGraphs.AsNoTracking().Where(g => g.Id == graphId && g.Circuit != null && visible.Contains(g.Circuit.RevisionId))
            .Select(g => new GraphAttachment(g.Circuit!.Revision.Specimen.Slug, g.Circuit.Revision.Specimen.Title, g.Circuit.Slug, g.Circuit.Title))
            .SingleOrDefaultAsync(ct);
    }

    public static async Task<Results<Ok<List<AttachedGraph>>, ProblemHttpResult>> ListAttached(
        ArchiveDbContext db, ClaimsPrincipal user, string slug, string circuit, CancellationToken ct)
    {
        var specimen = await db.Specimens.AsNoTracking().Where(SpecimenVisibility.ViewableBy(user.Viewer())).Where(s => s.Slug == slug)
            .Select(s => (int?)s.Id).SingleOrDefaultAsync(ct);
        if (specimen is not { } id) return SpecimensApi.NotFoundProblem($"No specimen '{slug}'.");
        return TypedResults.Ok((await ForSpecimenAsync(db, id, ct))[circuit].ToList());
    }

    public static async Task<Results<Ok<AttachedGraph>, ProblemHttpResult>> Attach(
        ArchiveDbContext db, ClaimsPrincipal user, string slug, string circuit, Guid id, CancellationToken ct)
    {
        var (problem, specimenId, circuitId) = await AuthorizeAsync(db, user, slug, circuit, ct);
        if (problem is not null) return problem;
        var graph = await db.AttributionGraphs.Include(g => g.Circuit).ThenInclude(c => c!.Revision).SingleOrDefaultAsync(g => g.Id == id, ct);
        if (graph is null) return SpecimensApi.NotFoundProblem($"No attribution graph has id {id}.");
        if (graph.Circuit is { } current && (current.Revision.SpecimenId != specimenId || current.Slug != circuit))
            return TypedResults.Problem($"Graph {id} is attached to another circuit; detach it there first.", title: "Attached elsewhere", statusCode: StatusCodes.Status409Conflict);
        graph.CircuitId = circuitId;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new AttachedGraph(graph.Id, graph.Slug, graph.Scan, graph.Prompt, graph.NodeCount, graph.LinkCount));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Detach(
        ArchiveDbContext db, ClaimsPrincipal user, string slug, string circuit, Guid id, CancellationToken ct)
    {
        var (problem, _, _) = await AuthorizeAsync(db, user, slug, circuit, ct);
        if (problem is not null) return problem;
        var detached = await db.AttributionGraphs
            .Where(g => g.Id == id && g.Circuit != null && g.Circuit.Slug == circuit && g.Circuit.Revision.Specimen.Slug == slug)
            .ExecuteUpdateAsync(u => u.SetProperty(g => g.CircuitId, (int?)null), ct);
        return detached == 0 ? SpecimensApi.NotFoundProblem($"Graph {id} is not attached to circuit '{circuit}' of '{slug}'.") : TypedResults.NoContent();
    }

    /// <summary>The current revision's circuit, if the caller may change what is attached to it (submitter or reviewer).</summary>
    private static async Task<(ProblemHttpResult? Problem, int SpecimenId, int CircuitId)> AuthorizeAsync(
        ArchiveDbContext db, ClaimsPrincipal user, string slug, string circuit, CancellationToken ct)
    {
        var target = await ReviewActors.FindAsync(db, user, slug, ct);
        if (target is null) return (SpecimensApi.NotFoundProblem($"No specimen '{slug}'."), 0, 0);
        if (!target.Actor.IsAuthor && !target.Actor.IsReviewer)
            return (TypedResults.Problem("Only the specimen's submitter or a reviewer attaches graphs to its circuits.", title: "Forbidden", statusCode: StatusCodes.Status403Forbidden), 0, 0);
        var circuitId = await db.Circuits.Where(c => c.Slug == circuit && c.RevisionId == c.Revision.Specimen.CurrentRevisionId && c.Revision.SpecimenId == target.SpecimenId)
            .Select(c => (int?)c.Id).SingleOrDefaultAsync(ct);
        return circuitId is { } found ? (null, target.SpecimenId, found) : (SpecimensApi.NotFoundProblem($"Specimen '{slug}' has no circuit '{circuit}'."), 0, 0);
    }
}
