using System.Text.Json;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Circuits;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Web.Graphs;

/// <summary>A stored graph as the API lists it (the file itself is at <see cref="FileUrl"/>).</summary>
public sealed record GraphInfo(
    Guid Id, string Slug, string Scan, string Prompt, int NodeCount, int LinkCount, string Sha256, long SizeBytes,
    IReadOnlyList<string> Warnings, DateTimeOffset UploadedAt, string FileUrl, string PageUrl);

/// <summary>A page of graphs, newest first; <see cref="Next"/> continues after the last one.</summary>
public sealed record GraphPage(IReadOnlyList<GraphInfo> Items, string? Next);

/// <summary>
/// Attribution graphs in and out, as circuit-tracer and Neuronpedia write them. An upload is streamed into the blob
/// store's staging area (bounded by <see cref="ArchiveOptions.MaxGraphBytes"/>), checked there by
/// <see cref="GraphFileReader"/>, and only then becomes a blob and a row, in one transaction: a refused graph leaves
/// nothing. The file comes back byte for byte.
/// </summary>
public static class GraphsApi
{
    public const string JsonMediaType = "application/json";

    public static RouteGroupBuilder MapGraphsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/graphs").WithTags("Attribution graphs");
        api.MapPost("", UploadGraph).WithName(nameof(UploadGraph))
            .WithSummary("Stores a circuit-tracer / Neuronpedia attribution graph (JSON body) and answers with its location.")
            .Accepts<JsonElement>(JsonMediaType)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.GraphUploads)
            // The handler enforces ArchiveOptions.MaxGraphBytes itself, with a ProblemDetails answer.
            .WithMetadata(new DisableRequestSizeLimitAttribute());
        api.MapGet("", ListGraphs).WithName(nameof(ListGraphs)).WithSummary("Stored graphs, newest first, a page at a time.");
        api.MapMethods("/{id:guid}", [HttpMethods.Get, HttpMethods.Head], GetGraph).WithName(nameof(GetGraph))
            .WithSummary("The graph file exactly as uploaded (circuit-tracer JSON); ETag is its sha256.");
        api.MapGet("/{id:guid}/info", GetGraphInfo).WithName(nameof(GetGraphInfo)).WithSummary("What the archive knows about a stored graph.");
        return api;
    }

    public static async Task<Results<Created<GraphInfo>, Ok<GraphInfo>, ValidationProblem, ProblemHttpResult>> UploadGraph(
        HttpContext http, ArchiveDbContext db, IBlobStore store, IOptions<ArchiveOptions> options, CancellationToken ct)
    {
        var request = http.Request;
        if (!IsJson(request.ContentType))
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"Send the graph as {JsonMediaType}; got '{request.ContentType ?? "no content type"}'.");
        var max = options.Value.MaxGraphBytes;
        if (request.ContentLength > max) return TooLarge(max);

        StagedBlob? staged;
        try
        {
            staged = await store.StageAsync(request.Body, new BlobStageOptions { MaxBytes = max, Check = new Utf8ContentCheck() }, ct);
        }
        catch (BlobTooLargeException)
        {
            return TooLarge(max);
        }
        catch (InvalidDataException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Unreadable graph", ex.Message);
        }
        await using var _ = staged;
        // The same bytes are the same graph, already checked when they were first stored: one row, one blob.
        if (await db.AttributionGraphs.AsNoTracking().Where(g => g.Sha256 == staged.Hash.Hex).OrderBy(g => g.UploadedAt).FirstOrDefaultAsync(ct) is { } existing)
            return TypedResults.Ok(Info(existing, http));

        GraphFileSummary? summary;
        Dictionary<string, string[]> errors;
        try
        {
            await using var file = File.OpenRead(staged.Path);
            (summary, errors) = await GraphFileReader.ReadAsync(file, ct);
        }
        catch (JsonException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Unreadable graph", $"The body is not valid JSON: {ex.Message}");
        }
        if (summary is null) return TypedResults.ValidationProblem(errors, title: "The attribution graph is malformed.");

        var graph = new AttributionGraphFile
        {
            Id = Guid.CreateVersion7(), Sha256 = staged.Hash.Hex, SizeBytes = staged.Length, Slug = summary.Slug, Scan = summary.Scan,
            Prompt = summary.Prompt, NodeCount = summary.NodeCount, LinkCount = summary.LinkCount, Warnings = [.. summary.Warnings],
            UploadedAt = DateTimeOffset.UtcNow, UploadedBy = http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await BlobRows.StoreAsync(db, store, staged, JsonMediaType, ct);
            db.AttributionGraphs.Add(graph);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        var info = Info(graph, http);
        return TypedResults.Created(info.FileUrl, info);
    }

    public static async Task<Results<Ok<GraphPage>, ValidationProblem>> ListGraphs(
        HttpContext http, ArchiveDbContext db, string? after, int? limit, CancellationToken ct)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 200) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["must lie in [1, 200]"] });
        var query = db.AttributionGraphs.AsNoTracking();
        if (after is not null)
        {
            // Version-7 ids grow with upload time, so the id alone is the cursor.
            if (!Guid.TryParse(after, out var cursor)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["must be a graph id"] });
            query = query.Where(g => g.Id.CompareTo(cursor) < 0);
        }
        var rows = await query.OrderByDescending(g => g.Id).Take(take + 1).ToListAsync(ct);
        var items = rows.Take(take).Select(g => Info(g, http)).ToList();
        return TypedResults.Ok(new GraphPage(items, rows.Count > take ? items[^1].Id.ToString() : null));
    }

    public static async Task<Results<BlobFileResult, ProblemHttpResult>> GetGraph(Guid id, ArchiveDbContext db, CancellationToken ct)
    {
        var graph = await db.AttributionGraphs.AsNoTracking().Where(g => g.Id == id).Select(g => new { g.Sha256, g.SizeBytes }).SingleOrDefaultAsync(ct);
        if (graph is null) return NotFound(id);
        return new BlobFileResult(ContentHash.Parse(graph.Sha256), graph.SizeBytes, $"graph-{id}.json", JsonMediaType, immutable: true);
    }

    public static async Task<Results<Ok<GraphInfo>, ProblemHttpResult>> GetGraphInfo(Guid id, HttpContext http, ArchiveDbContext db, CancellationToken ct)
    {
        var graph = await db.AttributionGraphs.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        return graph is null ? NotFound(id) : TypedResults.Ok(Info(graph, http));
    }

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals(JsonMediaType, StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    private static GraphInfo Info(AttributionGraphFile g, HttpContext http) => new(
        g.Id, g.Slug, g.Scan, g.Prompt, g.NodeCount, g.LinkCount, g.Sha256, g.SizeBytes, g.Warnings, g.UploadedAt,
        $"/api/v1/graphs/{g.Id}", $"/graphs/{g.Id}");

    private static ProblemHttpResult NotFound(Guid id) => Problem(StatusCodes.Status404NotFound, "No such graph", $"No attribution graph has id {id}.");

    private static ProblemHttpResult TooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Graph too large", $"At most {max:N0} bytes are accepted.");

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, title: title, statusCode: status);
}
