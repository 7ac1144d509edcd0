namespace Archive.Web.Tests.Infrastructure;

/// <summary>The archive's own specimen bundles in the repository, for tests that need a real model file.</summary>
public static class ShippedBundles
{
    /// <summary>A file of a shipped bundle, wherever the project that builds the specimens keeps them (src/*/Bundles).</summary>
    public static string File(string bundle, string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!System.IO.File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) continue;
            return Directory.GetDirectories(Path.Combine(dir.FullName, "src"))
                .Select(project => Path.Combine(project, "Bundles", bundle, name))
                .FirstOrDefault(System.IO.File.Exists)
                ?? throw new FileNotFoundException($"No src/*/Bundles/{bundle}/{name} in {dir.FullName}.");
        }
        throw new DirectoryNotFoundException($"No Archive.sln above {AppContext.BaseDirectory}.");
    }
}
