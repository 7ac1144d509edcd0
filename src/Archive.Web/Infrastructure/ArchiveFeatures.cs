using System.Text.Json.Serialization;
using Archive.Web.Accounts;
using Archive.Web.Circuits;
using Archive.Web.Claims;
using Archive.Web.Dictionaries;
using Archive.Web.Dictionaries.Exports;
using Archive.Web.Dictionaries.UploadForm;
using Archive.Web.Evidence;
using Archive.Web.Files;
using Archive.Web.Graphs;
using Archive.Web.Markdown;
using Archive.Web.Methods;
using Archive.Web.Models;
using Archive.Web.Reviews;
using Archive.Web.Revisions;
using Archive.Web.Specimens;
using Archive.Web.Submissions;
using Archive.Web.Submissions.Guided;

namespace Archive.Web.Infrastructure;

/// <summary>Each feature folder registers its services and maps its API here, in one place.</summary>
public static class ArchiveFeatures
{
    public static IServiceCollection AddArchiveFeatures(this IServiceCollection services)
    {
        // Pages: one Markdig pipeline for every writeup (thread-safe, built once).
        services.AddSingleton<MarkdownRenderer>();
        services.AddSingleton<RenderedWriteups>();
        // Specimen pages and API documents for anonymous readers, kept per specimen version.
        services.AddSingleton<SpecimenResponseCache>();
        services.AddSingleton<Dictionaries.FeatureResponses>();
        // Methods: docs/evidence-methods.md, read and rendered once (it ships with the build).
        services.AddSingleton<MethodsDocument>();
        // Files: uploads stream into the blob store's staging (the submission pages and API commit them).
        services.AddSingleton<BlobUploads>();
        services.AddArchiveRateLimits();
        // Submissions: a researcher's bundle becomes a draft in one request.
        services.AddScoped<SubmissionImporter>();
        services.AddSingleton<StagedModels>();
        services.AddMemoryCache();
        // One LISTEN evidence_finished connection; open evidence pages refresh when their run finishes.
        services.AddSingleton<EvidenceNotifications>();
        services.AddHostedService(sp => sp.GetRequiredService<EvidenceNotifications>());
        // API enums travel as their names ("Supported", "AtLeast"), as the pages show them.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }

    public static IEndpointRouteBuilder MapArchiveApis(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup(ApiVersions.V1);
        v1.MapAccountsApi();
        v1.MapSpecimensApi();
        v1.MapRevisionsApi();
        v1.MapSubmissionsApi();
        v1.MapReviewApi();
        v1.MapCircuitsApi();
        v1.MapClaimMethodsApi();
        v1.MapGraphsApi();
        v1.MapGraphAttachmentsApi();
        v1.MapModelsApi();
        v1.MapEvidenceApi();
        v1.MapSpecimenRecheckApi();
        v1.MapDictionariesApi();
        v1.MapDictionaryExportsApi();
        app.MapAccountForms();
        app.MapReviewForm();
        app.MapSubmitBundleForm();
        app.MapGuidedSubmissionForm();
        app.MapDictionaryUploadForm();
        app.MapEvidenceRerunForm();
        app.MapSpecimenRecheckForm();
        return app;
    }
}
