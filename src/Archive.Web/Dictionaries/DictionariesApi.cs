using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Formats.SaeLens;
using Archive.Web.Files;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Dictionaries;

public static class DictionariesApi
{
    public static RouteGroupBuilder MapDictionariesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/dictionaries").WithTags("Dictionaries");
        api.MapGet("/", ListDictionaries).WithName(nameof(ListDictionaries));
        api.MapGet("/{slug}", GetDictionary).WithName(nameof(GetDictionary))
            .WithSummary("The dictionary's cfg.json, statistics and one page of its feature table (q, sort=index|density|max, dir=asc|desc, page).");
        api.MapGet("/{slug}/features", ListFeatures).WithName(nameof(ListFeatures))
            .WithSummary("The dictionary's features a page at a time, by keyset: q, min_density, max_density, sort=index|density|max, dir=asc|desc, limit (1–500, default 50), cursor (nextCursor or previousCursor of the page before; also in the Link header).");
        api.MapGet("/{slug}/features/{index:int}", GetFeature).WithName(nameof(GetFeature))
            .Produces<FeatureResponse>(StatusCodes.Status200OK).Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A feature's dashboard data: density, activation histogram, top activating contexts, logit effects, similar features, circuits using it. ETag with If-None-Match answers 304.");
        api.MapGet("/{slug}/download", DownloadDictionary).WithName(nameof(DownloadDictionary))
            .WithSummary("The SAELens folder as a zip: cfg.json, sae_weights.safetensors, and sparsity.safetensors when every feature has statistics.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip");
        api.MapMethods("/{slug}/weights", [HttpMethods.Get, HttpMethods.Head], GetWeights).WithName("GetDictionaryWeights")
            .WithSummary("The dictionary's sae_weights.safetensors, streamed from the blob store. ETag is its sha256; Range and HEAD work.");
        api.MapDictionaryUpload();
        return api;
    }

    public static async Task<Ok<List<DictionaryResponse>>> ListDictionaries(ArchiveDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await DictionaryQueries.ListAsync(db, ct));

    public static async Task<Results<Ok<DictionaryDetailResponse>, ProblemHttpResult>> GetDictionary(
        ArchiveDbContext db, string slug, string? q, string? sort, string? dir, int? page,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "min_density")] double? minDensity, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "max_density")] double? maxDensity,
        CancellationToken ct)
    {
        if (minDensity is < 0 or > 1 || maxDensity is < 0 or > 1 || double.IsNaN(minDensity ?? 0) || double.IsNaN(maxDensity ?? 0))
            return TypedResults.Problem("min_density and max_density are fractions of tokens, between 0 and 1.", title: "Invalid filter", statusCode: StatusCodes.Status400BadRequest);
        var filter = new FeatureTableFilter(q, FeatureTableFilter.ParseSort(sort), string.Equals(dir, "desc", StringComparison.OrdinalIgnoreCase), page ?? 1,
            minDensity, maxDensity);
        return await DictionaryQueries.LoadDictionaryAsync(db, slug, filter, ct) is { } detail
            ? TypedResults.Ok(detail)
            : NotFound($"No feature dictionary '{slug}'.");
    }

    public const int MaxFeatureLimit = 500;

    /// <summary>
    /// A page of features by keyset. The cursor carries its own sort and direction; the next link repeats the request's
    /// filters with the new cursor, so a client only follows <c>Link: rel="next"</c> (or <c>nextCursor</c>) until there is none.
    /// Filters may change between pages (the position stays meaningful); the order may not.
    /// </summary>
    public static async Task<Results<Ok<FeatureListPage>, ValidationProblem, ProblemHttpResult>> ListFeatures(
        HttpContext http, ArchiveDbContext db, string slug, string? q, string? sort, string? dir, string? cursor, int? limit,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "min_density")] double? minDensity, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "max_density")] double? maxDensity,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var take = limit ?? FeatureTableFilter.PageSize;
        if (take is < 1 or > MaxFeatureLimit) errors["limit"] = [$"must lie in [1, {MaxFeatureLimit}]"];
        if (minDensity is < 0 or > 1 || double.IsNaN(minDensity ?? 0)) errors["min_density"] = ["is a fraction of tokens, between 0 and 1"];
        if (maxDensity is < 0 or > 1 || double.IsNaN(maxDensity ?? 0)) errors["max_density"] = ["is a fraction of tokens, between 0 and 1"];
        var filter = new FeatureTableFilter(q, FeatureTableFilter.ParseSort(sort), string.Equals(dir, "desc", StringComparison.OrdinalIgnoreCase), 1, minDensity, maxDensity);
        if (cursor is not null)
        {
            if (!FeatureCursor.TryDecode(cursor, out var position))
                errors["cursor"] = ["is not a cursor this API wrote (copy nextCursor or the Link header unchanged, or leave it out to start at the beginning)"];
            else if (!filter.Fits(position))
                errors["cursor"] = ["belongs to another sort or direction; send it with the sort and dir of the request that returned it"];
            else
                filter = filter with { Cursor = position };
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid feature list parameters");

        var id = await db.FeatureDictionaries.AsNoTracking().Where(d => d.Slug == slug).Select(d => (int?)d.Id).SingleOrDefaultAsync(ct);
        if (id is null) return NotFound($"No feature dictionary '{slug}'.");
        var page = await DictionaryQueries.LoadFeatureListAsync(db, id.Value, filter, take, ct);
        var links = new List<string>();
        if (page.NextCursor is { } next) links.Add($"<{WithCursor(http.Request, next)}>; rel=\"next\"");
        if (page.PreviousCursor is { } previous) links.Add($"<{WithCursor(http.Request, previous)}>; rel=\"prev\"");
        if (links.Count > 0) http.Response.Headers.Link = string.Join(", ", links);
        return TypedResults.Ok(page);
    }

    /// <summary>This request's absolute address with the cursor replaced: the same filters, order and limit carry on.</summary>
    private static string WithCursor(HttpRequest request, string cursor)
    {
        var query = request.Query.Where(p => !p.Key.Equals("cursor", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .Append(new("cursor", cursor));
        return Microsoft.AspNetCore.Http.Extensions.UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, QueryString.Create(query));
    }

    public static async Task<IResult> GetFeature(HttpContext http, FeatureResponses responses, string slug, int index, CancellationToken ct) =>
        await responses.GetAsync(http, slug, index, ct) ?? NotFound($"No feature {index} in dictionary '{slug}'.");

    public static async Task<Results<BlobFileResult, ProblemHttpResult>> GetWeights(ArchiveDbContext db, string slug, CancellationToken ct)
    {
        var dictionary = await db.FeatureDictionaries.AsNoTracking().Where(d => d.Slug == slug).Select(d => new { d.Sha256, d.SizeBytes }).SingleOrDefaultAsync(ct);
        return dictionary is null
            ? NotFound($"No feature dictionary '{slug}'.")
            : new BlobFileResult(ContentHash.Parse(dictionary.Sha256), dictionary.SizeBytes, SaeLensFileNames.Weights);
    }

    /// <summary>
    /// Writes the zip to a temporary file first (weights can be large, and ZipArchive writes synchronously), streaming the
    /// weights from the blob store rather than loading them whole. Entries sit in a folder named after the slug, as
    /// SAELens's <c>SAE.load_from_disk</c> expects. sparsity.safetensors is the stored one when the dictionary came with
    /// one, else it is written from the features' densities when every feature has them.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadDictionary(ArchiveDbContext db, IBlobStore store, string slug, CancellationToken ct)
    {
        var dictionary = await db.FeatureDictionaries.AsNoTracking().Where(d => d.Slug == slug)
            .Select(d => new { d.Id, d.ConfigJson, d.DSae, d.Sha256, d.SparsitySha256 }).SingleOrDefaultAsync(ct);
        if (dictionary is null) return NotFound($"No feature dictionary '{slug}'.");

        var temp = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            using (var zip = new ZipArchive(temp, ZipArchiveMode.Create, leaveOpen: true))
            {
                await using (var cfg = zip.CreateEntry($"{slug}/{SaeLensFileNames.Config}", CompressionLevel.Optimal).Open())
                {
                    await cfg.WriteAsync(Encoding.UTF8.GetBytes(PrettyJson(dictionary.ConfigJson)), ct);
                }
                await CopyBlobAsync(store, ContentHash.Parse(dictionary.Sha256), zip.CreateEntry($"{slug}/{SaeLensFileNames.Weights}", CompressionLevel.NoCompression), ct);
                if (dictionary.SparsitySha256 is { } sparsitySha)
                {
                    await CopyBlobAsync(store, ContentHash.Parse(sparsitySha), zip.CreateEntry($"{slug}/{SaeLensFileNames.Sparsity}", CompressionLevel.Optimal), ct);
                }
                else
                {
                    var densities = await db.Features.AsNoTracking().Where(f => f.FeatureDictionaryId == dictionary.Id)
                        .OrderBy(f => f.Index).Select(f => new { f.Index, f.Density }).ToListAsync(ct);
                    if (densities.Count == dictionary.DSae && densities.Select((f, i) => f.Index == i).All(ok => ok))
                    {
                        await using var sparsity = zip.CreateEntry($"{slug}/{SaeLensFileNames.Sparsity}", CompressionLevel.Optimal).Open();
                        await sparsity.WriteAsync(SparsitySafetensors(densities.Select(f => f.Density).ToArray()), ct);
                    }
                }
            }
            temp.Position = 0;
            return TypedResults.File(temp, "application/zip", $"{slug}.zip");
        }
        catch
        {
            await temp.DisposeAsync();
            throw;
        }
    }

    private static async Task CopyBlobAsync(IBlobStore store, ContentHash hash, ZipArchiveEntry entry, CancellationToken ct)
    {
        await using var target = entry.Open();
        await using var content = await store.OpenReadAsync(hash, null, ct);
        await content.CopyToAsync(target, ct);
    }

    /// <summary>SAELens's sparsity file: one F32 tensor <c>sparsity</c> [d_sae] of log10(density + 1e-10), the same
    /// floor SAELens applies when it logs feature sparsity, so dead features read −10 rather than −∞.</summary>
    internal static byte[] SparsitySafetensors(double[] density)
    {
        var n = density.Length;
        var header = $"{{\"sparsity\":{{\"dtype\":\"F32\",\"shape\":[{n}],\"data_offsets\":[0,{n * 4}]}},\"__metadata__\":{{\"format\":\"pt\"}}}}";
        while ((Encoding.UTF8.GetByteCount(header) + 8) % 8 != 0) header += " ";
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + n * 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        for (var i = 0; i < n; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + headerBytes.Length + i * 4), (float)Math.Log10(density[i] + 1e-10));
        return bytes;
    }

    private static string PrettyJson(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return System.Text.Json.JsonSerializer.Serialize(doc.RootElement, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }

    private static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
