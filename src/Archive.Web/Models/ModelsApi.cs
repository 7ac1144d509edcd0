using Archive.Data;
using Archive.Data.Models;
using Archive.Data.Specimens;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Models;

public sealed record ModelResponse(
    string Slug,
    string Name,
    string Architecture,
    string Description,
    System.Text.Json.JsonElement Config,
    long ParameterCount,
    string WeightsFileName,
    string Sha256,
    long SizeBytes,
    string TrainingNotes,
    IReadOnlyList<string> Specimens,
    string WeightsUrl);

public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/models").WithTags("Models");
        api.MapGet("/", ListModels).WithName(nameof(ListModels));
        api.MapGet("/{slug}", GetModel).WithName(nameof(GetModel));
        api.MapGet("/{slug}/weights", GetWeights).WithName(nameof(GetWeights))
            .WithSummary("The model's safetensors file (TransformerLens names, config in __metadata__). ETag is its sha256.");
        return api;
    }

    public static async Task<Ok<List<ModelResponse>>> ListModels(ArchiveDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LoadAsync(db, db.Models.AsNoTracking().OrderBy(m => m.Slug), ct));

    public static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> GetModel(ArchiveDbContext db, string slug, CancellationToken ct) =>
        (await LoadAsync(db, db.Models.AsNoTracking().Where(m => m.Slug == slug), ct)).SingleOrDefault() is { } model
            ? TypedResults.Ok(model)
            : SpecimensApi.NotFoundProblem($"No model '{slug}'.");

    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetWeights(
        ArchiveDbContext db, HttpContext http, string slug, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().Where(m => m.Slug == slug).Select(m => new { m.Id, m.Sha256, m.WeightsFileName }).SingleOrDefaultAsync(ct);
        if (model is null) return SpecimensApi.NotFoundProblem($"No model '{slug}'.");
        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{model.Sha256}\"");
        if (http.Request.Headers.IfNoneMatch.ToString().Contains(model.Sha256, StringComparison.Ordinal))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var bytes = await db.ModelWeights.AsNoTracking().Where(w => w.ModelId == model.Id).Select(w => w.Content).SingleOrDefaultAsync(ct);
        if (bytes is null) return SpecimensApi.NotFoundProblem($"Model '{slug}' has no stored weights.");
        http.Response.Headers["X-Content-SHA256"] = model.Sha256;
        return TypedResults.File(bytes, "application/octet-stream", model.WeightsFileName, entityTag: etag);
    }

    /// <summary>Model cards with the published specimens that study each: two queries however many models.</summary>
    private static async Task<List<ModelResponse>> LoadAsync(ArchiveDbContext db, IQueryable<Model> query, CancellationToken ct)
    {
        var models = await query.ToListAsync(ct);
        var ids = models.Select(m => m.Id).ToList();
        var specimens = (await db.Specimens.AsNoTracking()
                .Where(s => ids.Contains(s.ModelId) && s.Status == SpecimenStatus.Published)
                .OrderBy(s => s.Slug).Select(s => new { s.ModelId, s.Slug }).ToListAsync(ct))
            .ToLookup(s => s.ModelId, s => s.Slug);
        return models.Select(model =>
        {
            using var config = System.Text.Json.JsonDocument.Parse(model.ConfigJson);
            return new ModelResponse(model.Slug, model.Name, model.Architecture, model.Description, config.RootElement.Clone(), model.ParameterCount,
                model.WeightsFileName, model.Sha256, model.SizeBytes, model.TrainingNotes, [.. specimens[model.Id]], $"/api/models/{model.Slug}/weights");
        }).ToList();
    }
}
