using System.Text.Json;
using Archive.Data.Models;
using Archive.Data.Specimens;

namespace Archive.Data.Bundles;

/// <summary>
/// The listing fields a proposed revision of a published specimen brings (title, summary, tags, ...), kept on the
/// specimen beside the proposal and applied by <see cref="BundleEntities.Describe(Specimen, ProposedListing, DateTimeOffset)"/>
/// only when a reviewer publishes it: until then readers see the published ones.
/// </summary>
public sealed record ProposedListing(string Title, string Summary, string Behaviour, List<string> Tags, List<string> Techniques,
    List<string> Authors, int ModelId, string SearchText)
{
    public static ProposedListing From(BundleManifest manifest, Model model, string writeup, IReadOnlyList<string> fallbackAuthors) => new(
        manifest.Title, manifest.Summary, manifest.Behaviour, manifest.Tags, manifest.Techniques,
        manifest.Authors.Count > 0 ? manifest.Authors : [.. fallbackAuthors], model.Id, BundleEntities.SearchText(manifest, writeup));

    public string ToJson() => JsonSerializer.Serialize(this);

    public static ProposedListing FromJson(string json) =>
        JsonSerializer.Deserialize<ProposedListing>(json) ?? throw new InvalidDataException("The stored proposed listing is null.");
}
