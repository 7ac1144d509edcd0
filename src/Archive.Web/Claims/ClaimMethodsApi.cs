using System.Text.Json.Nodes;
using Archive.Formats.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Archive.Web.Claims;

/// <summary>An evidence method as a claim names it, with its parameters as JSON Schema (what the guided form builds its fields from).</summary>
public sealed record ClaimMethodResponse(string Name, string Summary, string Targets, JsonObject Parameters);

/// <summary>
/// The methods a claim can name and their parameter schemas, from <see cref="ClaimMethods"/> itself: the schema is
/// written by the method's own parameter reader (<see cref="ParameterSchemas"/>), so it says what the worker accepts.
/// </summary>
public static class ClaimMethodsApi
{
    public static IEndpointRouteBuilder MapClaimMethodsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/claim-methods").WithTags("Claims");
        api.MapGet("", ListClaimMethods).WithName(nameof(ListClaimMethods))
            .WithSummary("Every evidence method a claim can name: what it measures, the targets it takes, and its parameters as JSON Schema.");
        api.MapGet("/{method}", GetClaimMethod).WithName(nameof(GetClaimMethod))
            .WithSummary("One evidence method with its parameters as JSON Schema.");
        return app;
    }

    public static Ok<List<ClaimMethodResponse>> ListClaimMethods() => TypedResults.Ok(ClaimMethods.All.Select(Describe).ToList());

    public static Results<Ok<ClaimMethodResponse>, ProblemHttpResult> GetClaimMethod(string method) =>
        ClaimMethods.Find(method) is { } found
            ? TypedResults.Ok(Describe(found))
            : TypedResults.Problem($"No evidence method '{method}'; known: {string.Join(", ", ClaimMethods.All.Select(m => m.Name))}.",
                title: "Unknown method", statusCode: StatusCodes.Status404NotFound);

    private static ClaimMethodResponse Describe(ClaimMethod method) => new(method.Name, method.Summary, method.TargetsHint, ParameterSchemas.For(method.Name)!);
}
