using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Models;
using Archive.Data.Specimens;

namespace Archive.Data.Bundles;

/// <summary>
/// What a bundle's manifest becomes in the tables, written once for both ways in: the specimen builder's
/// <c>import</c> and a researcher's submission.
/// </summary>
public static partial class BundleEntities
{
    /// <summary>Sets the specimen's listing fields (title, summary, tags, …, the full-text words) from the manifest.</summary>
    public static void Describe(Specimen specimen, BundleManifest manifest, Model model, string writeup, DateTimeOffset now)
    {
        specimen.Title = manifest.Title;
        specimen.Summary = manifest.Summary;
        specimen.Behaviour = manifest.Behaviour;
        specimen.Model = model;
        specimen.Tags = manifest.Tags;
        specimen.Techniques = manifest.Techniques;
        specimen.Authors = manifest.Authors;
        specimen.UpdatedAt = now;
        specimen.SearchText = SearchText(manifest, writeup);
    }

    /// <summary>Sets the listing fields a published proposal brought.</summary>
    public static void Describe(Specimen specimen, ProposedListing listing, DateTimeOffset now)
    {
        specimen.Title = listing.Title;
        specimen.Summary = listing.Summary;
        specimen.Behaviour = listing.Behaviour;
        specimen.ModelId = listing.ModelId;
        specimen.Tags = listing.Tags;
        specimen.Techniques = listing.Techniques;
        specimen.Authors = listing.Authors;
        specimen.UpdatedAt = now;
        specimen.SearchText = listing.SearchText;
    }

    /// <summary>What the full-text index reads beside title, summary and behaviour: tags, techniques and the writeup's words.</summary>
    public static string SearchText(BundleManifest manifest, string writeup) =>
        string.Join(' ', manifest.Tags.Concat(manifest.Techniques)) + "\n" + PlainText(writeup);

    /// <summary>The specimen's next revision: the writeup, circuits and claims as the manifest states them.</summary>
    public static SpecimenRevision NewRevision(Specimen specimen, BundleManifest manifest, string writeup, List<Circuit> circuits,
        string createdBy, string sourceHash, DateTimeOffset now) => new()
    {
        Number = specimen.Revisions.Count == 0 ? 1 : specimen.Revisions.Max(r => r.Number) + 1,
        WriteupMarkdown = writeup,
        Message = manifest.RevisionMessage,
        CreatedBy = createdBy,
        CreatedAt = now,
        SourceHash = sourceHash,
        Circuits = circuits,
        Claims = [.. manifest.Claims.Select(c => new Claim
        {
            Key = c.Key, Statement = c.Statement, Method = c.Method, Targets = c.Targets,
            Parameters = JsonDocument.Parse(c.Parameters?.GetRawText() ?? "{}"),
            Comparison = c.Comparison, Expected = c.Expected, ExpectedUpper = c.ExpectedUpper, Tolerance = c.Tolerance,
        })],
    };

    /// <summary>The writeup's words for the full-text index: Markdown punctuation and math are noise to it.</summary>
    public static string PlainText(string markdown) => MarkdownNoise().Replace(markdown, " ");

    [GeneratedRegex(@"[#*_`>\[\]()|$\\{}^=-]+")]
    private static partial Regex MarkdownNoise();
}
