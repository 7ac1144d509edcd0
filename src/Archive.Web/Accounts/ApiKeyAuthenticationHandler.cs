using System.Security.Claims;
using System.Text.Encodings.Web;
using Archive.Data;
using Archive.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Web.Accounts;

/// <summary>
/// Signs API requests in by key: <c>Authorization: Bearer sa_…</c> or <c>X-Api-Key: sa_…</c> (the header Neuronpedia's
/// clients send). The principal carries the owner's role and the key's scopes; a revoked key, a locked account or an
/// unknown key fails with 401. The REST API takes keys only, never the site's cookie, so a page on another site cannot
/// make a signed-in reader's browser call it.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ArchiveDbContext db, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>How stale "last used" may get: recording every request would write a row per call.</summary>
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (presented is null) return AuthenticateResult.NoResult();
        if (!ApiKeySecrets.LooksLikeSecret(presented)) return AuthenticateResult.Fail("The API key is malformed.");

        var hash = ApiKeySecrets.Hash(presented);
        var key = await db.ApiKeys.AsNoTracking()
            .Where(k => k.SecretHash == hash && k.RevokedAt == null)
            // The owner's roles in the same round trip: this runs on every API call that carries a key.
            .Select(k => new
            {
                k.Id, k.Scopes, k.UserId, k.User.Handle, k.User.LockoutEnd, k.LastUsedAt,
                Roles = db.UserRoles.Where(ur => ur.UserId == k.UserId).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToList(),
            })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("The API key is unknown or revoked.");
        var now = clock.GetUtcNow();
        if (key.LockoutEnd > now) return AuthenticateResult.Fail("The key's account is locked.");

        if (key.LastUsedAt is null || now - key.LastUsedAt > s_lastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(u => u.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, key.Handle),
            new(ArchiveClaimTypes.ApiKeyId, key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange(key.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(Enum.GetValues<ApiKeyScopes>().Where(s => s != ApiKeyScopes.None && key.Scopes.HasFlag(s))
            .Select(s => new Claim(ArchiveClaimTypes.Scope, s.ToString().ToLowerInvariant())));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>A ProblemDetails body says what to send, rather than a bare 401.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"Specimen Archive API\"";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Sign-in required",
            "Send an API key as 'Authorization: Bearer sa_…' (or 'X-Api-Key'). Make one on your account page (/account).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Not allowed",
            "This key's scopes or its account's role do not allow this request.");

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    internal static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization["Bearer ".Length..].Trim();
        var header = request.Headers["X-Api-Key"].ToString();
        return header.Length > 0 ? header.Trim() : null;
    }
}

public static class ArchiveClaimTypes
{
    public const string Scope = "scope";
    public const string ApiKeyId = "api_key_id";
}
