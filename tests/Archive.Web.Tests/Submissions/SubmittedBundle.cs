using System.Text.Json.Nodes;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Submissions;

/// <summary>A researcher's bundle for the submission tests: the shipped induction specimen's files under new names.</summary>
public static class SubmittedBundle
{
    public const string Source = "induction-heads-2l-attn-only";

    /// <summary>The shipped manifest, renamed so it is a new specimen on a new model.</summary>
    public static JsonObject Manifest(string slug, string modelSlug)
    {
        var manifest = JsonNode.Parse(System.IO.File.ReadAllText(ShippedBundles.File(Source, "specimen.json")))!.AsObject();
        manifest["slug"] = slug;
        manifest["featured"] = false;
        manifest["model"]!["slug"] = modelSlug;
        return manifest;
    }

    public static string File(string name) => ShippedBundles.File(Source, name);
}
