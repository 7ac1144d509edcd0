using System.Diagnostics;

namespace Archive.Specimens.Build;

/// <summary>
/// <c>archive-specimens build [--only slug] [--out folder]</c>: trains each of the archive's own specimens from its
/// seed, computes its evidence and writes its bundle. The default output is the repository's src/Archive.Specimens/Bundles,
/// which the run command imports; writing to a new folder first, then swapping, never leaves a half-written bundle.
/// </summary>
public static class BuildCommand
{
    public static IReadOnlyList<ISpecimenRecipe> Recipes() =>
    [
        new InductionSpecimen(),
        new SuperpositionSpecimen(),
        new BrownLanguageModelSpecimen(),
        new CurveDetectorSpecimen(),
    ];

    public static int Run(string[] args, CancellationToken ct)
    {
        string? only = null;
        var output = DefaultBundlesFolder();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--only" when i + 1 < args.Length: only = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = Path.GetFullPath(args[++i]); break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: archive-specimens build [--only <slug>] [--out <folder>]");
                    return 2;
            }
        }
        var recipes = Recipes().Where(r => only is null || r.Slug == only).ToList();
        if (recipes.Count == 0)
        {
            Console.Error.WriteLine($"No specimen '{only}'. Known: {string.Join(", ", Recipes().Select(r => r.Slug))}.");
            return 2;
        }
        Directory.CreateDirectory(output);
        var progress = new ConsoleProgress();
        foreach (var recipe in recipes)
        {
            var clock = Stopwatch.StartNew();
            var staging = Path.Combine(output, $".{recipe.Slug}.building");
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
            recipe.Build(staging, progress, ct);
            var final = Path.Combine(output, recipe.Slug);
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(staging, final);
            var size = new DirectoryInfo(final).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            Console.WriteLine($"Built {recipe.Slug} in {clock.Elapsed.TotalSeconds:F1} s ({size / 1024.0:F0} KiB) -> {final}");
        }
        return 0;
    }

    /// <summary>src/Archive.Specimens/Bundles of the repository this binary was built from.</summary>
    public static string DefaultBundlesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) return Path.Combine(dir.FullName, "src", "Archive.Specimens", "Bundles");
        }
        return Path.GetFullPath("Bundles");
    }
}
