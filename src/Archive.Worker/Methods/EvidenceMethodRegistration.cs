namespace Archive.Worker.Methods;

public static class EvidenceMethodRegistration
{
    public static IServiceCollection AddEvidenceMethods(this IServiceCollection services) => services;
}
