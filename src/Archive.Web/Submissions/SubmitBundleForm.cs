using System.Security.Claims;
using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Web.Accounts;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Archive.Web.Submissions;

/// <summary>
/// The site's submission form (<c>/submissions/new</c> posts to <c>/submissions/upload</c>): the bundle folder as one zip,
/// taken by the same importer as <c>POST /api/v1/submissions</c>. Success goes to the draft's page; a refusal goes back to
/// the form, which shows every fault (kept for ten minutes under a random id, for the submitter only: too many for a URL).
/// </summary>
public static class SubmitBundleForm
{
    public static IEndpointRouteBuilder MapSubmitBundleForm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/submissions/upload", SubmitAsync).RequireAuthorization(ArchivePolicies.Submit)
            .RequireRateLimiting(RateLimits.Submissions).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, ClaimsPrincipal principal, IAntiforgery antiforgery, UserManager<User> users,
        SubmissionImporter importer, IBlobStore store, IOptions<ArchiveOptions> options, IMemoryCache refusals, CancellationToken ct)
    {
        IResult Page(int status, IReadOnlyList<string> errors)
        {
            var id = Guid.NewGuid();
            refusals.Set(RefusalKey(principal, id), errors, TimeSpan.FromMinutes(10));
            return Results.Redirect($"/submissions/new?refusal={id}");
        }

        var limit = options.Value.MaxUploadBytes;
        if (!RequestBodyLimit.TryRaise(http.Request, limit)) return Page(StatusCodes.Status413PayloadTooLarge, [$"The upload is over the limit of {limit:N0} bytes."]);
        // The form's file is buffered by ASP.NET Core to a temporary file (not memory) before the token is checked.
        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = limit }));
        // Checked here, after the limits are raised, rather than by the middleware, which would read the form first.
        if (!await antiforgery.IsRequestValidAsync(http)) return Page(StatusCodes.Status400BadRequest, ["The form has expired. Reload the page and try again."]);
        var form = await http.Request.ReadFormAsync(ct);
        if (form.Files.GetFile("bundle") is not { Length: > 0 } bundle) return Page(StatusCodes.Status400BadRequest, ["Choose the bundle's zip file."]);
        var submitter = await users.GetUserAsync(principal);
        if (submitter is null) return Results.Redirect("/account/sign-in");
        try
        {
            await using var stream = bundle.OpenReadStream();
            await using var upload = await SubmissionUpload.ReadZipAsync(stream, store, limit, ct);
            var result = await importer.ImportAsync(submitter, upload, ct);
            return Results.Redirect($"/specimens/{Uri.EscapeDataString(result.Slug)}");
        }
        catch (SubmissionRefusedException refused)
        {
            return Page(refused.Status, refused.Faults);
        }
    }

    /// <summary>The cache key of a refusal: only the account that submitted can read it back.</summary>
    public static string RefusalKey(ClaimsPrincipal user, Guid id) => $"submission-refusal:{user.UserId()}:{id}";
}
