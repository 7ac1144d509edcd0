using System.Security.Claims;
using Archive.Data.Accounts;
using Archive.Data.Specimens;
using Microsoft.AspNetCore.Authorization;

namespace Archive.Web.Accounts;

/// <summary>
/// Who may do what, written once: pages and endpoints name a policy, queries take the <see cref="SpecimenViewer"/> made
/// here. An API key acts with its owner's role but only within its scopes.
/// </summary>
public static class ArchivePolicies
{
    /// <summary>Submit specimens and dictionaries (contributor or above; a key needs the <c>submit</c> scope).</summary>
    public const string Submit = "submit";
    /// <summary>Review, publish, reject and retract (reviewer or above; a key needs the <c>review</c> scope).</summary>
    public const string Review = "review";
    /// <summary>Manage accounts (admin, on the site only: no key may).</summary>
    public const string Administer = "administer";

    public static AuthorizationBuilder AddArchivePolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Submit, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.Can(ArchiveRoles.Contributor, ApiKeyScopes.Submit)))
        .AddPolicy(Review, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.Can(ArchiveRoles.Reviewer, ApiKeyScopes.Review)))
        .AddPolicy(Administer, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.IsInRole(ArchiveRoles.Admin) && !c.User.IsApiKey()));

    /// <summary>Holds <paramref name="role"/> or a higher one, and, when signed in by key, the key has <paramref name="scope"/>.</summary>
    public static bool Can(this ClaimsPrincipal user, string role, ApiKeyScopes scope) =>
        ArchiveRoles.AtLeast(role).Any(user.IsInRole) && (!user.IsApiKey() || user.HasScope(scope));

    public static bool IsApiKey(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ArchiveClaimTypes.ApiKeyId);

    public static bool HasScope(this ClaimsPrincipal user, ApiKeyScopes scope) =>
        user.HasClaim(ArchiveClaimTypes.Scope, scope.ToString().ToLowerInvariant());

    public static int? UserId(this ClaimsPrincipal user) =>
        int.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// What this principal may see: anonymous callers and keys without the <c>read</c> scope see what the public sees;
    /// others also see their own drafts; reviewers and admins see every draft.
    /// </summary>
    public static SpecimenViewer Viewer(this ClaimsPrincipal user)
    {
        var id = user.UserId();
        if (id is null || (user.IsApiKey() && !user.HasScope(ApiKeyScopes.Read))) return SpecimenViewer.Public;
        return new SpecimenViewer(id, ArchiveRoles.AtLeast(ArchiveRoles.Reviewer).Any(user.IsInRole));
    }
}
