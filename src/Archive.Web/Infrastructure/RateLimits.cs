using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Archive.Web.Infrastructure;

/// <summary>
/// Per-client limits on what costs the archive real work: evidence runs (minutes of CPU or GPU) and graph uploads
/// (parsing and storing up to <see cref="ArchiveOptions.MaxGraphBytes"/>). Partitioned by client address until
/// accounts exist; the numbers come from <see cref="ArchiveOptions"/>.
/// </summary>
public static class RateLimits
{
    public const string EvidenceRequests = "evidence-requests";
    public const string GraphUploads = "graph-uploads";

    public static IServiceCollection AddArchiveRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(EvidenceRequests, http => PerMinute(http, o => o.EvidenceRequestsPerMinute));
            options.AddPolicy(GraphUploads, http => PerMinute(http, o => o.GraphUploadsPerMinute));
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
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Requests of this kind from this address are limited per minute; try again shortly." },
                });
            };
        });

    private static RateLimitPartition<string> PerMinute(HttpContext http, Func<ArchiveOptions, int> permits) =>
        RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits(http.RequestServices.GetRequiredService<IOptions<ArchiveOptions>>().Value),
                Window = TimeSpan.FromMinutes(1),
            });
}
