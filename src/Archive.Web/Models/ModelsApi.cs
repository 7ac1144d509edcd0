using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Models;
using System.Security.Claims;
using Archive.Data.Specimens;
using Archive.Formats.Models;
using Archive.Web.Accounts;
using Archive.Web.Files;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Http.HttpResults;
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

/// <summary>One unit of a CNN: its entry of the model's unit atlas (snake_case, as in units.json) and the claims about it.</summary>
public sealed record UnitResponse(string Model, string Unit, string Role, UnitRecord Atlas, IReadOnlyList<UnitClaim> Claims, string Page);

public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/models").WithTags("Models");
        api.MapGet("/", ListModels).WithName(nameof(ListModels));
        api.MapGet("/{slug}", GetModel).WithName(nameof(GetModel));
        api.MapMethods("/{slug}/weights", [HttpMethods.Get, HttpMethods.Head], GetWeights).WithName(nameof(GetWeights))
            .WithSummary("The model's safetensors file (TransformerLens names, config in __metadata__), streamed from the blob store. ETag is its sha256; Range and HEAD work.");
        api.MapGet("/{slug}/units", ListUnits).WithName(nameof(ListUnits))
            .WithSummary("A CNN's units (channels of its convolutions) with their tuning numbers; empty for models without a unit atlas.");
        api.MapGet("/{slug}/units/{unit}", GetUnit).WithName(nameof(GetUnit))
            .WithSummary("One unit (e.g. conv2:7): tuning curve and its straight-line control, feature visualisation, kernels, top held-out examples, and the claims that target it.");
        return api;
    }

    public static async Task<Results<Ok<List<UnitSummary>>, ProblemHttpResult>> ListUnits(ArchiveDbContext db, string slug, CancellationToken ct) =>
        await db.Models.AnyAsync(m => m.Slug == slug, ct)
            ? TypedResults.Ok(await UnitQueries.ListAsync(db, slug, ct))
            : SpecimensApi.NotFoundProblem($"No model '{slug}'.");

    public static async Task<Results<Ok<UnitResponse>, ProblemHttpResult>> GetUnit(ArchiveDbContext db, ClaimsPrincipal user, string slug, string unit, CancellationToken ct)
    {
        var record = await UnitQueries.FindAsync(db, slug, unit, ct);
        if (record is null) return SpecimensApi.NotFoundProblem($"No unit '{unit}' of model '{slug}'.");
        var claims = await UnitQueries.ClaimsAsync(db, user.Viewer(), slug, unit, ct);
        return TypedResults.Ok(new UnitResponse(slug, record.Unit, record.Role, record, claims, UnitLinks.Page(slug, record.Unit)));
    }

    public static async Task<Ok<List<ModelResponse>>> ListModels(ArchiveDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LoadAsync(db, db.Models.AsNoTracking().OrderBy(m => m.Slug), ct));

    public static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> GetModel(ArchiveDbContext db, string slug, CancellationToken ct) =>
        (await LoadAsync(db, db.Models.AsNoTracking().Where(m => m.Slug == slug), ct)).SingleOrDefault() is { } model
            ? TypedResults.Ok(model)
            : SpecimensApi.NotFoundProblem($"No model '{slug}'.");

    public static async Task<Results<BlobFileResult, ProblemHttpResult>> GetWeights(ArchiveDbContext db, string slug, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().Where(m => m.Slug == slug).Select(m => new { m.Sha256, m.SizeBytes, m.WeightsFileName }).SingleOrDefaultAsync(ct);
        return model is null
            ? SpecimensApi.NotFoundProblem($"No model '{slug}'.")
            : new BlobFileResult(ContentHash.Parse(model.Sha256), model.SizeBytes, model.WeightsFileName);
    }

    /// <summary>Model cards with the published specimens that study each: two queries however many models.</summary>
    private static async Task<List<ModelResponse>> LoadAsync(ArchiveDbContext db, IQueryable<Model> query, CancellationToken ct)
    {
        var models = await query.ToListAsync(ct);
        var ids = models.Select(m => m.Id).ToList();
        var specimens = (await db.Specimens.AsNoTracking()
                .Where(s => ids.Contains(s.ModelId) && SpecimenVisibility.Listed.Contains(s.Status))
                .OrderBy(s => s.Slug).Select(s => new { s.ModelId, s.Slug }).ToListAsync(ct))
            .ToLookup(s => s.ModelId, s => s.Slug);
        return models.Select(model =>
        {
            using var config = System.Text.Json.JsonDocument.Parse(model.ConfigJson);
            return new ModelResponse(model.Slug, model.Name, model.Architecture, model.Description, config.RootElement.Clone(), model.ParameterCount,
                model.WeightsFileName, model.Sha256, model.SizeBytes, model.TrainingNotes, [.. specimens[model.Id]], $"/api/v1/models/{model.Slug}/weights");
        }).ToList();
    }
}
