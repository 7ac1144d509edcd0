using System.Text.Json;
using Archive.Data.Circuits;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Archive.Web.Circuits;

public static class CircuitsApi
{
    public static RouteGroupBuilder MapCircuitsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/circuits").WithTags("Circuits");
        api.MapPost("/attribution-graph", ConvertAttributionGraph).WithName(nameof(ConvertAttributionGraph))
            .WithSummary("Reads a circuit-tracer / Neuronpedia attribution graph and returns it as an archive circuit, or the reasons it cannot be read.")
            .Accepts<JsonElement>("application/json")
            // The handler enforces its own limit (ArchiveOptions.MaxGraphBytes) with a ProblemDetails answer.
            .WithMetadata(new DisableRequestSizeLimitAttribute());
        return api;
    }

    /// <summary>Validates and converts without storing anything: the first step of importing a graph.</summary>
    public static async Task<Results<Ok<CircuitDocument>, ValidationProblem, ProblemHttpResult>> ConvertAttributionGraph(
        HttpRequest request, IOptions<ArchiveOptions> options, string? slug, bool? subgraph, CancellationToken ct)
    {
        if (request.ContentLength > options.Value.MaxGraphBytes)
        {
            return BadRequest($"The graph is {request.ContentLength} bytes; at most {options.Value.MaxGraphBytes} are accepted.");
        }
        JsonDocument document;
        try
        {
            using var limited = new LengthLimitedStream(request.Body, options.Value.MaxGraphBytes);
            document = await JsonDocument.ParseAsync(limited, new JsonDocumentOptions { MaxDepth = 64 }, ct);
        }
        catch (JsonException ex)
        {
            return BadRequest($"The body is not valid JSON: {ex.Message}");
        }
        catch (LengthLimitedStream.TooLongException)
        {
            return BadRequest($"The graph is larger than {options.Value.MaxGraphBytes} bytes.");
        }
        using (document)
        {
            var (circuit, _, errors) = AttributionGraph.Import(document.RootElement, string.IsNullOrWhiteSpace(slug) ? "imported" : slug, subgraph ?? false);
            return circuit is null ? TypedResults.ValidationProblem(errors, title: "The attribution graph is malformed.") : TypedResults.Ok(circuit);
        }
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, title: "Unreadable graph", statusCode: StatusCodes.Status400BadRequest);
}
