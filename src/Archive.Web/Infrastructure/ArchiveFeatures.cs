using Archive.Web.Markdown;

namespace Archive.Web.Infrastructure;

/// <summary>Each feature folder registers its services and maps its API here, in one place.</summary>
public static class ArchiveFeatures
{
    public static IServiceCollection AddArchiveFeatures(this IServiceCollection services)
    {
        // Pages: one Markdig pipeline for every writeup (thread-safe, built once).
        services.AddSingleton<MarkdownRenderer>();
        return services;
    }

    public static IEndpointRouteBuilder MapArchiveApis(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
