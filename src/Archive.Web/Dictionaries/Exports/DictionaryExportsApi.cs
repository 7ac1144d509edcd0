using Archive.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Archive.Web.Dictionaries.Exports;

/// <summary>
/// Bulk downloads of a dictionary's features, streamed from the database a page at a time (memory flat in the
/// dictionary's size), each with an ETag for conditional requests. The SAELens folder (cfg.json and weights) is the
/// dictionary API's <c>/download</c>.
/// </summary>
public static class DictionaryExportsApi
{
    public static RouteGroupBuilder MapDictionaryExportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/dictionaries").WithTags("Dictionaries");
        api.MapGet("/{slug}/features.jsonl", GetFeaturesJsonl).WithName(nameof(GetFeaturesJsonl))
            .WithSummary("Every feature of the dictionary as JSON Lines, in index order: one line per feature, the per-feature API's JSON less its dictionary, circuits and neighbours.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{slug}/neuronpedia.zip", GetNeuronpediaExport).WithName(nameof(GetNeuronpediaExport))
            .WithSummary("The dictionary in Neuronpedia's export layout: {modelId}/{sourceId}/ with model, release, source set and source rows, and features, explanations and activations in gzipped JSON Lines batches of 1,024 features.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Results<FeaturesJsonlResult, ProblemHttpResult>> GetFeaturesJsonl(ArchiveDbContext db, string slug, CancellationToken ct) =>
        await DictionaryExportSource.FindAsync(db, slug, ct) is { } dictionary
            ? new FeaturesJsonlResult(dictionary, await dictionary.ETagAsync(db, "features.jsonl/1", ct))
            : NotFound(slug);

    public static async Task<Results<NeuronpediaZipResult, ProblemHttpResult>> GetNeuronpediaExport(ArchiveDbContext db, string slug, CancellationToken ct) =>
        await DictionaryExportSource.FindAsync(db, slug, ct) is { } dictionary
            ? new NeuronpediaZipResult(dictionary, await dictionary.ETagAsync(db, "neuronpedia.zip/1", ct))
            : NotFound(slug);

    private static ProblemHttpResult NotFound(string slug) =>
        TypedResults.Problem($"No feature dictionary '{slug}'.", title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
