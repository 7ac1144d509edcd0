using Archive.Data;
using Archive.Data.Reviews;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Archive.Web.Reviews;

/// <summary>
/// The specimen page's review forms (a plain POST with an antiforgery token, signed in by the site's cookie): takes the
/// step by the same rule as the API, then back to the page's review section, where a refusal is shown.
/// </summary>
public static class ReviewForm
{
    public static IEndpointRouteBuilder MapReviewForm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/specimens/{slug}/review", TakeStep).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<StatusCodeHttpResult, NotFound, ProblemHttpResult>> TakeStep(
        ArchiveDbContext db, IAntiforgery antiforgery, HttpContext http, TimeProvider clock, string slug, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return FormResults.Invalid("The form has expired. Reload the page and try again.");
        var form = await http.Request.ReadFormAsync(ct);
        if (await ReviewActors.FindAsync(db, http.User, slug, ct) is not { } target) return TypedResults.NotFound();
        if (!Enum.TryParse<ReviewAction>(form["action"], out var action))
            return FormResults.Invalid("Unknown review step.");
        int? line = int.TryParse(form["line"], System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : null;
        var (_, refusal) = await ReviewSteps.TakeAsync(db, target.SpecimenId, target.Actor, action, form["body"].ToString(), line, clock.GetUtcNow(), ct);
        var query = refusal is null ? "" : "?review_error=" + Uri.EscapeDataString(refusal);
        return FormResults.SeeOther(http, $"/specimens/{Uri.EscapeDataString(slug)}{query}#review");
    }
}
