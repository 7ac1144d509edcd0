namespace Archive.Tests.Shared;

/// <summary>
/// The field's real files (<c>../shared/interop</c> beside the repository: circuit-tracer graphs, Neuronpedia's schema),
/// which the project never copies into itself. CI has them; where they are absent the tests that need them are
/// reported as skipped, never as passed. <c>ARCHIVE_INTEROP</c> names another folder.
/// </summary>
public static class InteropFiles
{
    public static string? Folder { get; } = Find();

    /// <summary>Every circuit-tracer graph file, by name; empty when the folder is absent.</summary>
    public static IEnumerable<string> CircuitTracerGraphs() =>
        Folder is null ? [] : Directory.GetFiles(Path.Combine(Folder, "circuit-tracer"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>The path of <paramref name="relative"/>, or a skip of the calling test when the interop folder is absent.</summary>
    public static string Require(string relative)
    {
        Xunit.Assert.SkipWhen(Folder is null, "../shared/interop (the field's real files) is not present on this machine.");
        var path = Path.Combine(Folder!, relative);
        return File.Exists(path) ? path : throw new FileNotFoundException("An interop file named by a test is missing.", path);
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("ARCHIVE_INTEROP") is { Length: > 0 } configured) return Directory.Exists(configured) ? configured : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) continue;
            var candidate = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared", "interop");
            return Directory.Exists(candidate) ? candidate : null;
        }
        return null;
    }
}
