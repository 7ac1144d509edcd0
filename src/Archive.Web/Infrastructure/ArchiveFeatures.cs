namespace Archive.Web.Infrastructure;

/// <summary>Each feature folder registers its services and maps its API here, in one place.</summary>
public static class ArchiveFeatures
{
    public static IServiceCollection AddArchiveFeatures(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapArchiveApis(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
