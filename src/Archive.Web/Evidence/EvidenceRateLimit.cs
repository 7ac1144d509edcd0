using System.Threading.RateLimiting;
using Archive.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace Archive.Web.Evidence;

/// <summary>Evidence runs cost minutes of CPU or GPU: each client may queue (or cancel) a few per minute.</summary>
public static class EvidenceRateLimit
{
    public const string PolicyName = "evidence-requests";

    public static IServiceCollection AddEvidenceRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(PolicyName, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<ArchiveOptions>>().Value.EvidenceRequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                }));
            // A ProblemDetails body, so the status-code pages leave the 429 alone (they would re-execute a POST as a page).
            options.OnRejected = async (context, ct) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Evidence requests from this address are limited per minute; try again shortly." },
                });
            };
        });
}
