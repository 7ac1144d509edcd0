namespace Archive.Web.Infrastructure;

/// <summary>
/// The API lives under <c>/api/v1</c>. Links to the unversioned paths it had before (<c>/api/specimens/…</c>) keep
/// working: they answer 308 Permanent Redirect to the same path under v1, which keeps the method and body, so scripts
/// that POST follow it too.
/// </summary>
public static class ApiVersions
{
    public const string V1 = "/api/v1";

    /// <summary>
    /// A middleware, not a catch-all route: a catch-all endpoint under /api would take part in endpoint selection and turn
    /// a v1 path's 405 (wrong method) and 415 (wrong content type) into 404s.
    /// </summary>
    public static IApplicationBuilder UseUnversionedApiRedirects(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/api", out var rest) || rest.StartsWithSegments("/v1") || !rest.HasValue || rest == "/")
                return next(context);
            context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            context.Response.Headers.Location = $"{V1}{rest}{context.Request.QueryString}";
            return Task.CompletedTask;
        });
}
