using System.Threading.RateLimiting;

namespace Archive.Web.Evidence;

/// <summary>Evidence runs cost minutes of CPU or GPU: each client may queue a few per minute.</summary>
public static class EvidenceRateLimit
{
    public const string PolicyName = "evidence-requests";

    public static IServiceCollection AddEvidenceRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(PolicyName, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) }));
        });
}
