using System.Diagnostics;
using Archive.Specimens.Build;

namespace Archive.Worker.Tests;

/// <summary>
/// A real <c>archive-worker</c> process (the build output the run command starts), on the test database and blob store,
/// with a short lease so that lease expiry happens within a test.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process process;

    private WorkerProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => process.Id;

    /// <summary>The published worker (.ci/test publishes it outside the repository and names the folder here).</summary>
    public const string PublishVariable = "ARCHIVE_TEST_WORKER_PUBLISH";

    public static WorkerProcess Start(WorkerFixture fixture, string name, TimeSpan? lease = null, TimeSpan? stopGrace = null, string? publishFolder = null, string? workingDirectory = null)
    {
        var dll = publishFolder is null
            ? Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(BuildCommand.DefaultBundlesFolder()))!, "Archive.Worker", "bin", "Release", "net10.0", "archive-worker.dll")
            : Path.Combine(publishFolder, "archive-worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Build the worker (Release) first: .ci/test does.", dll);
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            // Nothing of the repository or the developer's tools: an empty folder, an empty home, only dotnet on the PATH.
            start.WorkingDirectory = workingDirectory;
            start.Environment["HOME"] = workingDirectory;
            start.Environment["PATH"] = Path.GetDirectoryName(Environment.ProcessPath) ?? "/usr/bin";
        }
        start.Environment["ConnectionStrings__Archive"] = fixture.ConnectionString;
        start.Environment["Blobs__Directory"] = fixture.BlobDirectory;
        start.Environment["EvidenceWorker__CacheDirectory"] = Path.Combine(fixture.CacheDirectory, name);
        start.Environment["EvidenceWorker__WorkerName"] = name;
        start.Environment["EvidenceWorker__LeaseDuration"] = (lease ?? TimeSpan.FromSeconds(3)).ToString();
        start.Environment["EvidenceWorker__PollInterval"] = "00:00:00.500";
        start.Environment["EvidenceWorker__RetryDelay"] = "00:00:00.100";
        start.Environment["EvidenceWorker__StopGracePeriod"] = (stopGrace ?? TimeSpan.FromSeconds(20)).ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        start.Environment["OMP_NUM_THREADS"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process, name);
    }

    /// <summary>SIGKILL: the process gets no chance to hand anything back.</summary>
    public void Kill()
    {
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>SIGTERM, as docker stop or Ctrl-C: the host shuts down gracefully.</summary>
    public async Task StopAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]);
        await kill.WaitForExitAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public bool HasExited => process.HasExited;

    public void Dispose()
    {
        if (!process.HasExited) Kill();
        process.Dispose();
    }
}
