using System.Collections.Concurrent;
using System.Diagnostics;

namespace Archive.Web.Tests.Infrastructure;

/// <summary>
/// The evidence worker as a real process, from the folder .ci/test publishes it to, on the run's database and blob store.
/// Tests that need one are skipped when <see cref="PublishVariable"/> is not set.
/// </summary>
public sealed class PublishedWorker : IDisposable
{
    public const string PublishVariable = "ARCHIVE_TEST_WORKER_PUBLISH";

    private readonly Process process;
    private readonly string cacheDirectory;
    private readonly ConcurrentQueue<string> output = new();

    private PublishedWorker(Process process, string cacheDirectory)
    {
        this.process = process;
        this.cacheDirectory = cacheDirectory;
    }

    /// <summary>The publish folder, or null when this run has none.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable(PublishVariable);

    /// <summary>What the worker printed (warnings and errors), for failure messages.</summary>
    public string Output => string.Join('\n', output);

    public static PublishedWorker Start(ArchiveFixture archive, string publishFolder)
    {
        var dll = Path.Combine(publishFolder, "archive-worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{PublishVariable} names no published worker.", dll);
        var cache = Directory.CreateTempSubdirectory("archive-web-tests-worker-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["ConnectionStrings__Archive"] = archive.ConnectionString;
        start.Environment["Blobs__Directory"] = archive.BlobDirectory;
        start.Environment["EvidenceWorker__CacheDirectory"] = cache;
        start.Environment["EvidenceWorker__WorkerName"] = "web-tests";
        start.Environment["EvidenceWorker__PollInterval"] = "00:00:00.500";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // libtorch's OpenMP threads spin while they wait; on 2 cores that starves the site and Chromium.
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        start.Environment["OMP_NUM_THREADS"] = "1";
        var worker = new PublishedWorker(Process.Start(start)!, cache);
        worker.process.OutputDataReceived += (_, e) => worker.Keep(e.Data);
        worker.process.ErrorDataReceived += (_, e) => worker.Keep(e.Data);
        worker.process.BeginOutputReadLine();
        worker.process.BeginErrorReadLine();
        return worker;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 200) output.TryDequeue(out _);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
        Directory.Delete(cacheDirectory, recursive: true);
    }
}
