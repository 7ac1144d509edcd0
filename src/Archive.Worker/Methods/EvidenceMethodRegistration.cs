using Archive.Engine.Evidence;
using Archive.Worker.Evidence;

namespace Archive.Worker.Methods;

public static class EvidenceMethodRegistration
{
    public static IServiceCollection AddEvidenceMethods(this IServiceCollection services)
    {
        services.AddSingleton<IEvidenceMethod, HeadScoreMethods>();
        services.AddSingleton<IEvidenceMethod, WeightMethods>();
        services.AddSingleton<IEvidenceMethod, LossMethods>();
        services.AddSingleton<IFeatureDictionarySource, DatabaseFeatureDictionarySource>();
        services.AddSingleton<ITokenSetSource, BlobTokenSetSource>();
        services.AddSingleton<IEvidenceMethod, SaeFeatureMethods>();
        services.AddSingleton<IEvidenceMethod, SuperpositionMethods>();
        services.AddSingleton<IImageSetSource, BlobImageSetSource>();
        services.AddSingleton<IEvidenceMethod, TuningCurveMethods>();
        services.AddSingleton<IEvidenceMethod, CnnAblationMethods>();
        services.AddSingleton<BlobCache>();
        services.AddSingleton<ModelCache>();
        services.AddScoped<EvidenceRunner>();
        services.AddSingleton<Dictionaries.DashboardComputation>();
        return services;
    }
}
