using Archive.Data;
using Archive.Data.Blobs;
using Archive.Web.Accounts;
using Archive.Web.Components;
using Archive.Web.Specimens;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

namespace Archive.Web.Infrastructure;

public static class ArchiveServiceExtensions
{
    public static WebApplicationBuilder AddArchiveServices(this WebApplicationBuilder builder)
    {
        // One readable line per event (appsettings.json); Logging__Console__FormatterName=json switches to structured logs
        // (docker-compose does), with scopes.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        // Outside a publish folder (.ci/start, the tests) serve static assets from the build's manifest in every
        // environment, not only Development; in published output there is no manifest and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddOptions<ArchiveOptions>().BindConfiguration(ArchiveOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        var connectionString = builder.Configuration.GetConnectionString("Archive")
            ?? throw new InvalidOperationException("ConnectionStrings:Archive is not set. Start the archive with .ci/start, which provides a local PostgreSQL.");
        builder.Services.AddArchiveData(connectionString);
        builder.Services.AddBlobStore();

        builder.Services.AddProblemDetails();
        builder.Services.AddValidation();
        builder.Services.AddOpenApi(ArchiveOpenApi.Describe);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddApiCompression();
        builder.Services.AddArchiveAccounts();
        builder.Services.AddArchiveFeatures();
        return builder;
    }

    public static WebApplication UseArchivePipeline(this WebApplication app)
    {
        // A malformed request (bad form, failed antiforgery, oversized body) is the client's error, not ours.
        static int StatusFor(Exception ex) => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;

        // First, so everything after sees the client's address and scheme as the trusted proxy reported them.
        var proxies = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProxyOptions>>().Value;
        if (proxies.TrustedEntries.Any()) app.UseForwardedHeaders(proxies.ToForwardedHeaders());

        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/error", CreateScopeForErrors = true, StatusCodeSelector = StatusFor });
        }
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseUnversionedApiRedirects();
        app.UseResponseCompression();
        // The API answers every error, its own or the framework's (415 from content-type matching, 405, 404), with
        // ProblemDetails: re-executing it as the HTML not-found page would turn a POST into a form post without a token.
        app.UseWhen(IsApi, api =>
        {
            api.Use((context, next) =>
            {
                context.Features.Get<IStatusCodePagesFeature>()!.Enabled = false;
                return next(context);
            });
            api.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusFor });
            api.UseStatusCodePages();
        });
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.UseSpecimenResponseCache();
        return app;
    }

    private static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    public static WebApplication MapArchiveEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
        });
        app.MapOpenApi();
        // A browsable reference of /openapi/v1.json at /scalar/v1, served from the package's own assets (no CDN, no web
        // fonts); its one inline script carries the response's CSP nonce.
        app.MapScalarApiReference((options, http) => options.WithTitle("Specimen Archive API").DisableDefaultFonts()
            .WithNonce(ContentSecurityPolicy.For(http).NewScriptNonce()));
        app.MapArchiveApis();
        app.MapBenchmarkEndpoints(app.Configuration);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
