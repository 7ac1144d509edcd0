using System.Security.Claims;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Circuits;
using Archive.Data.Specimens;
using Archive.Web.Accounts;
using Archive.Web.Circuits;
using Archive.Web.Library;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Specimens;

/// <summary>Specimen wire form: the page's data, with circuits in the section-7 document form.</summary>
public sealed record SpecimenResponse(
    SpecimenHeader Specimen,
    RevisionListItem? Revision,
    IReadOnlyList<RevisionListItem> Revisions,
    string WriteupMarkdown,
    IReadOnlyList<ClaimRow> Claims,
    IReadOnlyList<CircuitDocument> Circuits);

public static class SpecimensApi
{
    public static RouteGroupBuilder MapSpecimensApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/specimens").WithTags("Specimens");
        api.MapGet("/", ListSpecimens).WithName(nameof(ListSpecimens));
        api.MapGet("/export", ExportSpecimens).WithName(nameof(ExportSpecimens))
            .WithSummary("Every published specimen with its current revision, one JSON document per line (NDJSON).");
        api.MapGet("/{slug}", GetSpecimen).WithName(nameof(GetSpecimen)).WithMetadata(new CachedBySpecimenVersionAttribute());
        api.MapGet("/{slug}/revisions/{number:int}", GetRevision).WithName(nameof(GetRevision)).WithMetadata(new CachedBySpecimenVersionAttribute());
        api.MapGet("/{slug}/circuits/{circuit}", GetCircuit).WithName(nameof(GetCircuit));
        api.MapGet("/{slug}/circuits/{circuit}/attribution-graph", GetAttributionGraph).WithName(nameof(GetAttributionGraph))
            .WithSummary("The circuit as circuit-tracer / Neuronpedia attribution-graph JSON. pinned=ids marks a subgraph; subgraph=true exports only it.");
        return api;
    }

    public static async Task<Ok<LibraryPage>> ListSpecimens(
        ArchiveDbContext db, string? q, string? model, string? technique, string? tag, ClaimStatus? status,
        LibrarySort? sort, int? page, int? pageSize, CancellationToken ct) =>
        TypedResults.Ok(await LibraryQuery.RunAsync(db, new LibraryFilter(q, model, technique, tag, status, sort ?? LibrarySort.Relevance, page ?? 1, pageSize ?? 20), ct));

    public static async Task<Results<Ok<SpecimenResponse>, ProblemHttpResult>> GetSpecimen(ArchiveDbContext db, ClaimsPrincipal user, string slug, CancellationToken ct) =>
        await Load(db, user.Viewer(), slug, null, ct);

    public static async Task<Results<Ok<SpecimenResponse>, ProblemHttpResult>> GetRevision(ArchiveDbContext db, ClaimsPrincipal user, string slug, int number, CancellationToken ct) =>
        await Load(db, user.Viewer(), slug, number, ct);

    public static async Task<Results<Ok<CircuitDocument>, ProblemHttpResult>> GetCircuit(
        ArchiveDbContext db, ClaimsPrincipal user, string slug, string circuit, int? revision, CancellationToken ct)
    {
        var data = await SpecimenPageQuery.LoadAsync(db, user.Viewer(), slug, revision, ct);
        var found = data?.Circuits.FirstOrDefault(c => c.Slug == circuit);
        return found is null ? NotFoundProblem($"No circuit '{circuit}' in specimen '{slug}'.") : TypedResults.Ok(found.ToDocument());
    }

    public static async Task<Results<JsonHttpResult<System.Text.Json.Nodes.JsonObject>, ProblemHttpResult>> GetAttributionGraph(
        ArchiveDbContext db, HttpContext http, string slug, string circuit, int? revision, string? pinned, bool? subgraph, CancellationToken ct)
    {
        var data = await SpecimenPageQuery.LoadAsync(db, http.User.Viewer(), slug, revision, ct);
        var found = data?.Circuits.FirstOrDefault(c => c.Slug == circuit);
        if (data is null || found is null) return NotFoundProblem($"No circuit '{circuit}' in specimen '{slug}'.");
        var pins = string.IsNullOrWhiteSpace(pinned) ? [] : pinned.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var url = $"{http.Request.Scheme}://{http.Request.Host}/specimens/{slug}/revisions/{data.Shown?.Number}";
        var graph = AttributionGraph.Export(found.ToDocument(), $"{slug}-{circuit}", data.Specimen.Model.Slug, url, pins, subgraph ?? false);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{slug}-{circuit}.json\"";
        return TypedResults.Json(graph);
    }

    /// <summary>Streams every published specimen: one line each, so a client can process an archive of any size.</summary>
    public static async Task ExportSpecimens(ArchiveDbContext db, HttpContext http, CancellationToken ct)
    {
        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"specimens.ndjson\"";
        var slugs = await db.Specimens.AsNoTracking()
            .Where(s => SpecimenVisibility.Listed.Contains(s.Status))
            .OrderBy(s => s.Slug)
            .Select(s => s.Slug)
            .ToListAsync(ct);
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        foreach (var slug in slugs)
        {
            var data = await SpecimenPageQuery.LoadAsync(db, SpecimenViewer.Public, slug, null, ct);
            if (data is null) continue;
            await JsonSerializer.SerializeAsync(http.Response.Body, ToResponse(data), options, ct);
            await http.Response.Body.WriteAsync("\n"u8.ToArray(), ct);
            db.ChangeTracker.Clear();
        }
    }

    private static async Task<Results<Ok<SpecimenResponse>, ProblemHttpResult>> Load(ArchiveDbContext db, SpecimenViewer viewer, string slug, int? revision, CancellationToken ct)
    {
        var data = await SpecimenPageQuery.LoadAsync(db, viewer, slug, revision, ct);
        if (data is null)
        {
            return NotFoundProblem(revision is null ? $"No specimen '{slug}' that you may see." : $"Specimen '{slug}' has no revision {revision}.");
        }
        return TypedResults.Ok(ToResponse(data));
    }

    private static SpecimenResponse ToResponse(SpecimenPageData data) =>
        new(data.Specimen, data.Shown, data.Revisions, data.WriteupMarkdown, data.Claims, [.. data.Circuits.Select(c => c.ToDocument())]);

    internal static ProblemHttpResult NotFoundProblem(string detail) =>
        TypedResults.Problem(detail, title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
