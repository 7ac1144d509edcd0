using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Archive.Formats.Neuronpedia;

/// <summary>
/// Reads one source of a Neuronpedia export, from a folder or a zip: the source's folder is the one that holds
/// <c>features/batch-N.jsonl.gz</c> (at any depth, so an <c>exports/</c> tree, a <c>{modelId}/{sourceId}</c> folder and the
/// archive's own zip all work, as long as they hold one source). Batch files are listed in order of N, and read one line
/// at a time, so memory stays at one row whatever the file's size.
/// </summary>
public sealed class NeuronpediaExportReader : IDisposable
{
    private readonly ZipArchive? zip;
    private readonly string root;

    private NeuronpediaExportReader(ZipArchive? zip, string root, string description)
    {
        this.zip = zip;
        this.root = root;
        Description = description;
    }

    /// <summary>Where the source was found, for messages: <c>export.zip:gpt2-small/6-res-jb/</c>.</summary>
    public string Description { get; }

    public static NeuronpediaExportReader Open(string path)
    {
        if (File.Exists(path))
        {
            var zip = ZipFile.OpenRead(path);
            try
            {
                var roots = zip.Entries.Select(e => SourceRoot(e.FullName)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var root = SingleRoot(roots, path);
                return new NeuronpediaExportReader(zip, root, $"{Path.GetFileName(path)}:{root}");
            }
            catch
            {
                zip.Dispose();
                throw;
            }
        }
        if (!Directory.Exists(path)) throw new FileNotFoundException($"No folder or zip at '{path}'.", path);
        var folders = Directory.EnumerateDirectories(path, NeuronpediaLayout.FeaturesFolder, SearchOption.AllDirectories)
            .Where(d => Directory.EnumerateFiles(d).Any(f => NeuronpediaLayout.BatchFilePattern().IsMatch(Path.GetFileName(f))))
            .Select(d => Path.GetDirectoryName(d)!)
            .Order(StringComparer.Ordinal)
            .ToList();
        var folder = SingleRoot(folders, path);
        return new NeuronpediaExportReader(null, folder, folder);
    }

    public IReadOnlyList<string> FeatureBatches => Batches(NeuronpediaLayout.FeaturesFolder);
    public IReadOnlyList<string> ActivationBatches => Batches(NeuronpediaLayout.ActivationsFolder);
    public IReadOnlyList<string> ExplanationBatches => Batches(NeuronpediaLayout.ExplanationsFolder);

    /// <summary>The rows of a gzipped batch file, one line at a time; a line that is not a row names its file and line.</summary>
    public IEnumerable<T> ReadBatch<T>(string batchFile)
    {
        using var stream = OpenFile(batchFile);
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return ParseLine<T>(line, batchFile, lineNumber);
        }
    }

    /// <summary>The one row of a plain metadata file (<c>source.jsonl</c> …), or null when the export has no such file.</summary>
    public T? ReadSingle<T>(string fileName) where T : class
    {
        if (!Exists(fileName)) return null;
        using var reader = new StreamReader(OpenFile(fileName));
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line)) return ParseLine<T>(line, fileName, lineNumber);
        }
        return null;
    }

    public void Dispose() => zip?.Dispose();

    private static T ParseLine<T>(string line, string file, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(line, NeuronpediaLayout.JsonOptions)
                ?? throw new InvalidDataException($"{file}, line {lineNumber}: null instead of a row.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}, line {lineNumber}: {e.Message}", e);
        }
    }

    private IReadOnlyList<string> Batches(string folder)
    {
        IEnumerable<string> names = zip is null
            ? Directory.Exists(Path.Combine(root, folder)) ? Directory.EnumerateFiles(Path.Combine(root, folder)).Select(f => Path.GetFileName(f)) : []
            : zip.Entries.Where(e => e.FullName.StartsWith(root + folder + "/", StringComparison.Ordinal)).Select(e => e.FullName[(root.Length + folder.Length + 1)..]);
        return names
            .Select(name => (Name: name, Match: NeuronpediaLayout.BatchFilePattern().Match(name)))
            .Where(x => x.Match.Success)
            .OrderBy(x => int.Parse(x.Match.Groups["n"].ValueSpan, CultureInfo.InvariantCulture))
            .Select(x => $"{folder}/{x.Name}")
            .ToList();
    }

    private bool Exists(string relative) => zip is null ? File.Exists(Path.Combine(root, relative)) : zip.GetEntry(root + relative) is not null;

    private Stream OpenFile(string relative) => zip is null
        ? File.OpenRead(Path.Combine(root, relative))
        : (zip.GetEntry(root + relative) ?? throw new FileNotFoundException($"{Description}{relative} is not in the zip.")).Open();

    /// <summary>For a zip entry <c>a/b/features/batch-3.jsonl.gz</c>, its source's folder <c>a/b/</c>.</summary>
    private static string? SourceRoot(string entry)
    {
        var slash = entry.LastIndexOf('/');
        if (slash < 0 || !NeuronpediaLayout.BatchFilePattern().IsMatch(entry[(slash + 1)..])) return null;
        var folder = entry[..slash];
        var parent = folder.LastIndexOf('/');
        if (folder[(parent + 1)..] != NeuronpediaLayout.FeaturesFolder) return null;
        return parent < 0 ? "" : folder[..(parent + 1)];
    }

    private static string SingleRoot(List<string> roots, string path) => roots switch
    {
        [var one] => one,
        [] => throw new InvalidDataException($"'{path}' holds no {NeuronpediaLayout.FeaturesFolder}/batch-N.jsonl.gz: not a Neuronpedia export."),
        _ => throw new InvalidDataException($"'{path}' holds {roots.Count} sources ({string.Join(", ", roots.Select(r => r.Length == 0 ? "." : r))}); name one."),
    };
}
