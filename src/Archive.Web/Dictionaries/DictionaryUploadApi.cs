using System.Security.Claims;
using Archive.Data;
using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Data.Dictionaries;
using Archive.Web.Accounts;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Archive.Web.Submissions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Archive.Web.Dictionaries;

/// <summary>An uploaded dictionary: where it is, and its dashboards, which the worker is computing.</summary>
public sealed record DictionaryUploadResponse(string Slug, bool Replaced, string Url, string ApiUrl, DashboardProgress Dashboards, IReadOnlyList<string> Warnings);

/// <summary>
/// <c>POST /api/v1/dictionaries</c>: a SAELens folder in one request, from a notebook. Multipart (a <c>manifest</c> part,
/// <see cref="DictionaryManifest"/>, and the folder's files by name: <c>cfg.json</c>, <c>sae_weights.safetensors</c>,
/// optionally <c>sparsity.safetensors</c> and <c>tokens/{sha256}</c>) or the folder as a zip with <c>dictionary.json</c>
/// beside cfg.json. Files stream into staging within the upload limit; <see cref="DictionaryUploads"/> checks them all
/// and stores them, or refuses with every fault and stores nothing.
/// </summary>
public static class DictionaryUploadApi
{
    public static RouteGroupBuilder MapDictionaryUpload(this RouteGroupBuilder api)
    {
        // A key, not a cookie, signs API calls in, so there is no cross-site form to guard against.
        api.MapPost("", Upload).WithName("UploadDictionary").RequireAuthorization(ArchivePolicies.Submit).DisableAntiforgery()
            .RequireRateLimiting(RateLimits.Submissions)
            .Accepts<IFormFile>("multipart/form-data", "application/zip")
            .WithSummary("Publishes a SAELens folder (SAELens 5.x or 6.x; standard, TopK or JumpReLU) as a dictionary in one request: multipart (a 'manifest' part and the folder's files by name) or the folder as a zip with dictionary.json. The worker computes every feature's dashboard from the model over the named token set.")
            .WithDescription("Everything is checked before anything is stored (cfg.json, each safetensors header against the file's size and cfg.json, the hook and d_in against the model, the token set); every fault is listed in the 400 problem's 'errors'. Re-uploading your slug replaces your dictionary.");
        return api;
    }

    public static async Task<Results<Created<DictionaryUploadResponse>, ProblemHttpResult>> Upload(
        HttpContext http, ClaimsPrincipal principal, ArchiveDbContext db, IBlobStore store, IOptions<ArchiveOptions> options, CancellationToken ct)
    {
        var userId = principal.UserId();
        if (userId is null) return TypedResults.Problem("The key's account no longer exists.", statusCode: StatusCodes.Status401Unauthorized);
        try
        {
            var max = options.Value.MaxUploadBytes;
            if (!RequestBodyLimit.TryRaise(http.Request, max)) throw SubmissionUpload.TooLarge(max);
            await using var upload = http.Request.ContentType?.StartsWith("application/zip", StringComparison.OrdinalIgnoreCase) == true
                ? await SubmissionUpload.ReadZipAsync(http.Request.Body, store, max, ct, DictionaryManifest.FileName)
                : await SubmissionUpload.ReadAsync(http.Request, store, max, ct, DictionaryManifest.FileName);
            var result = await DictionaryUploads.StoreAsync(db, store, upload.Manifest, upload.Files, UploaderOf(principal, userId.Value), ct);
            var apiUrl = $"/api/v1/dictionaries/{result.Slug}";
            return TypedResults.Created(apiUrl, new DictionaryUploadResponse(result.Slug, result.Replaced,
                $"{http.Request.Scheme}://{http.Request.Host}/dictionaries/{result.Slug}", apiUrl, DashboardProgress.Queued, result.Warnings));
        }
        catch (DictionaryUploadRefusedException refused)
        {
            return Refused(StatusCodes.Status400BadRequest, "Invalid dictionary", refused.Faults);
        }
        catch (SubmissionRefusedException refused)
        {
            if (refused.Status == StatusCodes.Status413PayloadTooLarge) http.Response.Headers.Connection = "close";
            return Refused(refused.Status, refused.Title, refused.Faults);
        }
    }

    /// <summary>
    /// Who uploads, for the API and the site's form alike: the account, which replaces its own dictionaries; an admin
    /// signed in on the site replaces anyone's, but not through a key (a leaked key must not overwrite the archive).
    /// </summary>
    public static DictionaryUploader UploaderOf(ClaimsPrincipal principal, int userId) =>
        new(userId, principal.IsInRole(ArchiveRoles.Admin) && !principal.IsApiKey());

    private static ProblemHttpResult Refused(int status, string title, IReadOnlyList<string> faults) =>
        TypedResults.Problem(faults.Count == 1 ? faults[0] : $"{faults.Count} faults; see 'errors'.", title: title, statusCode: status,
            extensions: new Dictionary<string, object?> { ["errors"] = faults });
}
