using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Archive.Web.Infrastructure;

/// <summary>
/// The OpenAPI document's title and description (otherwise the assembly's name, "Archive.Web"), and the API key as a
/// bearer scheme, so the reference at <c>/scalar/v1</c> and generated clients know how to sign calls in.
/// </summary>
public static class ArchiveOpenApi
{
    public const string ApiKeyScheme = "ApiKey";

    public static void Describe(OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        document.Info.Title = "Specimen Archive API";
        document.Info.Description = "Specimens, circuits, claims and the evidence that re-checks them; feature dictionaries and their bulk downloads; "
            + "attribution graphs; submissions and review. Reading published work needs no key; drafts, submissions and review need an API key "
            + "from /account, sent as 'Authorization: Bearer sa_…'.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key made on /account (sa_…). X-Api-Key is accepted too.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] });
        return Task.CompletedTask;
    });
}
