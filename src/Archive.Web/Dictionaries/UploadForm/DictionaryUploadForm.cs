using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Dictionaries;
using Archive.Formats.SaeLens;
using Archive.Web.Accounts;
using Archive.Web.Infrastructure;
using Archive.Web.Submissions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Archive.Web.Dictionaries.UploadForm;

/// <summary>A stored dictionary, as the form hears it: where its page shows the worker computing its dashboards.</summary>
public sealed record DictionaryFormResponse(string Slug, bool Replaced, string PageUrl, IReadOnlyList<string> Warnings);

/// <summary>
/// The site's dictionary upload: <c>/dictionaries/new</c> (js/dictionary-form.js, with a progress bar) posts the body
/// <c>POST /api/v1/dictionaries</c> takes (the manifest the form built from its fields, and the SAELens files by name),
/// read by the same <see cref="SubmissionUpload"/> staging, with two parts of its own: the folder as one zip
/// (<see cref="ZipPart"/>, found inside by its cfg.json) and uploaded token ids (<see cref="TokenIdsPart"/>), which the
/// archive names by their sha256 (a page on plain HTTP has no SubtleCrypto to hash them). Signed in by the site's cookie,
/// so the page's antiforgery token is checked, from its header, before the body is read. Then the same
/// <see cref="DictionaryUploads.StoreAsync"/>: stored whole, or refused with every fault keyed by the form's fields
/// (<see cref="DictionaryFormFaults"/>) and nothing stored.
/// </summary>
public static class DictionaryUploadForm
{
    public const string Path = "/dictionaries/new/upload";
    public const string ZipPart = "folder.zip";
    public const string TokenIdsPart = "token_ids";

    private const string ExpiredForm = "The form has expired. Reload the page and try again.";

    public static IEndpointRouteBuilder MapDictionaryUploadForm(this IEndpointRouteBuilder app)
    {
        // Antiforgery is checked by the handler, from the header: the middleware would read the whole form to find a token.
        app.MapPost(Path, Upload).RequireAuthorization(ArchivePolicies.Submit).RequireRateLimiting(RateLimits.Submissions)
            .DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<Ok<DictionaryFormResponse>, ValidationProblem, ProblemHttpResult>> Upload(
        HttpContext http, ClaimsPrincipal principal, IAntiforgery antiforgery, IOptions<AntiforgeryOptions> antiforgeryOptions,
        ArchiveDbContext db, IBlobStore store, IOptions<ArchiveOptions> options, CancellationToken ct)
    {
        // Without the header the antiforgery service falls back to reading the (multipart) form for the token.
        if (!http.Request.Headers.ContainsKey(antiforgeryOptions.Value.HeaderName!) || !await antiforgery.IsRequestValidAsync(http))
            return FormResults.Invalid(ExpiredForm);
        if (principal.UserId() is not { } userId) return FormResults.Invalid("Your account no longer exists.");
        try
        {
            await using var upload = await SubmissionUpload.ReadAsync(http.Request, store, options.Value.MaxUploadBytes, ct, DictionaryManifest.FileName);
            await upload.ExpandZipAsync(ZipPart, SaeLensFileNames.Config, ct);
            var (manifest, files) = NameUploadedTokens(upload.Manifest, upload.Files);
            var result = await DictionaryUploads.StoreAsync(db, store, manifest, files, DictionaryUploadApi.UploaderOf(principal, userId), ct);
            return TypedResults.Ok(new DictionaryFormResponse(result.Slug, result.Replaced, $"/dictionaries/{Uri.EscapeDataString(result.Slug)}", result.Warnings));
        }
        catch (DictionaryUploadRefusedException refused)
        {
            return TypedResults.ValidationProblem(DictionaryFormFaults.Place(refused.Faults), title: "The dictionary was not stored.",
                detail: "Nothing was stored; each fault is shown next to its field.");
        }
        catch (SubmissionRefusedException refused)
        {
            if (refused.Status == StatusCodes.Status413PayloadTooLarge) http.Response.Headers.Connection = "close";
            return TypedResults.Problem(string.Join(" ", refused.Faults), title: refused.Title, statusCode: refused.Status);
        }
    }

    /// <summary>
    /// Uploaded token ids become <c>tokens/{sha256}</c>, and the manifest's <c>token_set.sha256</c> that hash, as the API
    /// caller names them. Anything else is passed as sent, for <see cref="DictionaryUploads"/> to judge.
    /// </summary>
    private static (string Manifest, IReadOnlyDictionary<string, StagedBlob> Files) NameUploadedTokens(string manifest, IReadOnlyDictionary<string, StagedBlob> files)
    {
        if (!files.TryGetValue(TokenIdsPart, out var tokens)) return (manifest, files);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(manifest);
        }
        catch (JsonException)
        {
            return (manifest, files);
        }
        if (root is not JsonObject { } fields || fields["token_set"] is not JsonObject tokenSet) return (manifest, files);
        tokenSet["sha256"] = tokens.Hash.Hex;
        var named = files.Where(f => f.Key != TokenIdsPart).ToDictionary(StringComparer.Ordinal);
        named[DictionaryUploads.TokensPath(tokens.Hash.Hex)] = tokens;
        return (root.ToJsonString(), named);
    }
}
