using Microsoft.AspNetCore.Http.HttpResults;

namespace Archive.Web.Infrastructure;

/// <summary>The answers of the site's plain HTML form endpoints (antiforgery checked by the endpoint itself).</summary>
public static class FormResults
{
    /// <summary>A form that cannot be taken (a missing or stale antiforgery token, an unknown value): 400 with why.</summary>
    public static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(detail, title: "Invalid form", statusCode: StatusCodes.Status400BadRequest);

    /// <summary>303 See Other: after a POST, the browser GETs the page that shows the outcome.</summary>
    public static StatusCodeHttpResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }
}
