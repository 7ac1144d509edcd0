using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data.Circuits;
using Archive.Data.Claims;

namespace Archive.Web.Submissions.Guided;

/// <summary>
/// Everything the guided form holds, as it sends it to "Save draft" (and keeps it in the browser's storage): the listing
/// fields, the model, the writeup, circuits in the archive's JSON and claims. The server turns it into the bundle the
/// importer takes (<see cref="ToManifest"/>), so the form and <c>POST /api/v1/submissions</c> are checked by one rule.
/// </summary>
public sealed record GuidedDraft(
    string? Slug,
    string? Title,
    string? Summary,
    string? Behaviour,
    IReadOnlyList<string>? Tags,
    IReadOnlyList<string>? Techniques,
    IReadOnlyList<string>? Authors,
    string? RevisionMessage,
    GuidedModel? Model,
    string? Writeup,
    IReadOnlyList<CircuitDocument>? Circuits,
    IReadOnlyList<GuidedClaim>? Claims)
{
    /// <summary>The bundle path of the form's model file and writeup.</summary>
    public const string ModelFile = "model.safetensors";
    public const string WriteupFile = "writeup.md";

    /// <summary>
    /// The manifest, in the bundle's own shape, with <paramref name="model"/> (the archive's model the form picked, or the
    /// uploaded one's fields). Values the importer checks pass through
    /// as they are; only what JSON cannot carry (a missing number) is refused here, into <paramref name="faults"/>.
    /// </summary>
    public BundleManifest ToManifest(BundleModel model, List<string> faults) => new()
    {
        Slug = Slug?.Trim() ?? "",
        Title = Title?.Trim() ?? "",
        Summary = Summary?.Trim() ?? "",
        Behaviour = Behaviour?.Trim() ?? "",
        Tags = Clean(Tags),
        Techniques = Clean(Techniques),
        Authors = Clean(Authors),
        RevisionMessage = string.IsNullOrWhiteSpace(RevisionMessage) ? "Saved from the guided form" : RevisionMessage.Trim(),
        Writeup = WriteupFile,
        Model = model,
        Circuits = [.. Circuits ?? []],
        Claims = [.. (Claims ?? []).Select((c, i) => c.ToBundleClaim(i, faults))],
    };

    private static List<string> Clean(IReadOnlyList<string>? values) =>
        [.. (values ?? []).Select(v => v.Trim()).Where(v => v.Length > 0)];
}

/// <summary>The form's model: a model of the archive by its slug (<see cref="Existing"/>), or the file uploaded under <see cref="Upload"/>.</summary>
public sealed record GuidedModel(string? Existing, Guid? Upload, string? Slug, string? Name, string? Architecture, string? Description, string? TrainingNotes);

/// <summary>One claim as the form holds it; <see cref="Parameters"/> is the object its typed fields wrote.</summary>
public sealed record GuidedClaim(
    string? Key, string? Statement, string? Method, IReadOnlyList<string>? Targets, JsonElement? Parameters,
    ClaimComparison? Comparison, double? Expected, double? ExpectedUpper, double? Tolerance)
{
    public BundleClaim ToBundleClaim(int index, List<string> faults)
    {
        var key = string.IsNullOrWhiteSpace(Key) ? $"claim-{index + 1}" : Key.Trim();
        if (Expected is null) faults.Add($"claim '{key}': expected: is required (the value the claim states).");
        if (Comparison is null) faults.Add($"claim '{key}': comparison: is required.");
        if (Comparison == ClaimComparison.Between && ExpectedUpper is null) faults.Add($"claim '{key}': expected_upper: is required for 'between'.");
        return new BundleClaim
        {
            Key = key,
            Statement = Statement?.Trim() ?? "",
            Method = Method?.Trim() ?? "",
            Targets = [.. (Targets ?? []).Select(t => t.Trim()).Where(t => t.Length > 0)],
            Parameters = Parameters is { ValueKind: JsonValueKind.Object } p ? p : null,
            Comparison = Comparison ?? ClaimComparison.AtLeast,
            Expected = Expected ?? 0,
            ExpectedUpper = ExpectedUpper,
            Tolerance = Tolerance ?? 0,
        };
    }
}

/// <summary>The form's JSON as the endpoints read it (the web defaults, enums by name), for the page's stored draft.</summary>
public static class GuidedJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
}
