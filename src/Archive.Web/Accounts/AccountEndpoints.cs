using System.Security.Claims;
using Archive.Data.Accounts;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Archive.Web.Accounts;

/// <summary>Who the API key belongs to, what it may do.</summary>
public sealed record ApiCallerResponse(int UserId, string Handle, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes);

public static class AccountEndpoints
{
    /// <summary>The site's sign-out form (a POST with an antiforgery token, so another site cannot sign a reader out).</summary>
    public static IEndpointRouteBuilder MapAccountForms(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/sign-out", SignOutAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary><c>GET /api/v1/me</c>: a notebook's first call, to check its key.</summary>
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me", Me).WithTags("Accounts").WithName("GetCaller").RequireAuthorization()
            .WithSummary("The account and scopes of the API key this request carries.");
        return app;
    }

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> SignOutAsync(
        HttpContext http, IAntiforgery antiforgery, SignInManager<User> signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return FormResults.Invalid("The form has expired. Reload the page and try again.");
        await signIn.SignOutAsync();
        return TypedResults.Redirect("/");
    }

    private static Ok<ApiCallerResponse> Me(ClaimsPrincipal user) => TypedResults.Ok(new ApiCallerResponse(
        user.UserId()!.Value,
        user.Identity!.Name!,
        [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)],
        [.. user.FindAll(ArchiveClaimTypes.Scope).Select(c => c.Value)]));
}
