using Markdig.Helpers;

namespace Archive.Web.Markdown;

/// <summary>
/// GitHub-style heading ids, unique within a document: "mechanism", then "mechanism-1", "mechanism-2". The same ids as
/// Markdig's AutoIdentifiers extension, which this replaces because it looks for a free suffix by counting up from 1
/// for every heading: quadratic in the number of equal headings (2 MB of "## Question" took over two minutes). This
/// remembers where each base left off, so each heading costs about one lookup.
/// </summary>
internal sealed class HeadingIdentifiers
{
    private readonly HashSet<string> taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> nextSuffix = new(StringComparer.Ordinal);

    public string Next(string headingText)
    {
        var baseId = LinkHelper.UrilizeAsGfm(headingText);
        if (baseId.Length == 0) baseId = "section";
        if (taken.Add(baseId)) return baseId;

        // Suffixes below the remembered one were taken when last tried, and ids are never released.
        var suffix = nextSuffix.GetValueOrDefault(baseId, 1);
        string id;
        while (!taken.Add(id = $"{baseId}-{suffix}")) suffix++;
        nextSuffix[baseId] = suffix + 1;
        return id;
    }
}
