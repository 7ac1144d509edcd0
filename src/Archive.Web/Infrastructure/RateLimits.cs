using System.Threading.RateLimiting;
using Archive.Web.Accounts;
using Microsoft.Extensions.Options;

namespace Archive.Web.Infrastructure;

/// <summary>
/// Per-client limits on what costs the archive real work: evidence runs (minutes of CPU or GPU) and graph uploads
/// (parsing and storing up to <see cref="ArchiveOptions.MaxGraphBytes"/>) and submissions. Partitioned by account when
/// signed in, else by client address; the numbers come from <see cref="ArchiveOptions"/>.
/// </summary>
public static class RateLimits
{
    public const string EvidenceRequests = "evidence-requests";
    public const string GraphUploads = "graph-uploads";
    public const string Submissions = "submissions";

    public static IServiceCollection AddArchiveRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(EvidenceRequests, http => PerMinute(http, o => o.EvidenceRequestsPerMinute));
            options.AddPolicy(GraphUploads, http => PerMinute(http, o => o.GraphUploadsPerMinute));
            options.AddPolicy(Submissions, http => PerMinute(http, o => o.SubmissionsPerMinute));
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

    /// <summary>Signed-in callers are counted per account (many researchers share one proxy's address), others per address.</summary>
    private static RateLimitPartition<string> PerMinute(HttpContext http, Func<ArchiveOptions, int> permits) =>
        RateLimitPartition.GetFixedWindowLimiter(
            http.User.UserId() is { } userId ? $"user:{userId}" : $"ip:{http.Connection.RemoteIpAddress}",
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits(http.RequestServices.GetRequiredService<IOptions<ArchiveOptions>>().Value),
                Window = TimeSpan.FromMinutes(1),
            });
}
