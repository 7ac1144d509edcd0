using Archive.Engine;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests;

/// <summary>
/// TorchSharp's native library loads from this build's output (on Debian 12 only after Directory.Build.targets marks
/// its GLIBCXX_3.4.32 requirement weak) and computes.
/// </summary>
public sealed class TorchLoadTests
{
    [Fact]
    public void The_native_library_loads_and_multiplies_matrices()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var product = a.matmul(b);

        Assert.Equal([19f, 22f, 43f, 50f], product.data<float>().ToArray());
        Assert.StartsWith("2.", EngineDevice.LibTorchVersion);
        Assert.Contains(EngineDevice.Name, new[] { "cpu", "cuda" });
    }

    [Fact]
    public void The_build_output_copy_asks_only_for_libstdcxx_versions_this_system_has_or_marks_them_weak()
    {
        var native = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        Assert.NotEmpty(native);
        var systemLib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(systemLib is null || !File.Exists("/usr/bin/readelf"), "needs the system libstdc++ and binutils' readelf");
        var provided = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(systemLib!));

        foreach (var library in native)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/readelf", ["-V", library]) { RedirectStandardOutput = true };
            using var readelf = System.Diagnostics.Process.Start(psi)!;
            var lines = readelf.StandardOutput.ReadToEnd().Split('\n');
            readelf.WaitForExit();
            var needs = lines.Where(l => l.Contains("Name: GLIBCXX_", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(needs);
            foreach (var need in needs)
            {
                var version = need[(need.IndexOf("Name: ", StringComparison.Ordinal) + 6)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                Assert.True(provided.Contains(version + "\0", StringComparison.Ordinal) || need.Contains("Flags: WEAK", StringComparison.Ordinal),
                    $"{library} needs {version}, which {systemLib} lacks, and the requirement is not weak: {need.Trim()}");
            }
        }
    }

    [Fact]
    public void The_worker_warm_up_runs_every_kernel_without_failing()
    {
        // The worker catches a failed warm-up and logs it, so a broken one only shows as a slow first run: it once read a
        // count as a float and threw after its third kernel, leaving the rest cold.
        Assert.Null(Record.Exception(EngineWarmUp.Run));
    }
}
