using Archive.Data.Bundles;
using Archive.Data.Blobs;
using Archive.Data.Evidence;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

/// <summary>
/// The curve-detector recipe, rebuilt for the run (<see cref="BundleFixture"/>): its CNN, stimuli and held-out digits are
/// imported as blobs, and the worker re-checks every claim from those stored files alone.
/// </summary>
public sealed class CurveDetectorBundleTests(WorkerFixture worker, BundleFixture bundles) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_rebuilt_curve_detector_bundle_imports_and_the_worker_supports_every_claim_from_the_stored_files()
    {
        await worker.ImportAsync(bundles.CurveDetectors);
        await worker.RunQueueAsync();

        await using var db = worker.CreateDbContext();
        var model = await db.Models.SingleAsync();
        Assert.Equal(("cnn", 4, 10), (model.Architecture, model.NLayers, model.DVocab));
        var runs = await db.EvidenceRuns.Include(r => r.Claim).ToListAsync();
        Assert.Contains(runs, r => r.Claim.Method == "tuning_curve");
        Assert.Single(runs, r => r.Claim.Method == "cnn_ablation");
        // The unit atlas was computed from this very file: one row per channel of conv1 (8) and conv2 (16), and every
        // unit the claims target is among them with the role the selection gave it.
        var units = await db.ModelUnits.Where(u => u.ModelId == model.Id).ToListAsync();
        Assert.Equal(24, units.Count);
        var targeted = runs.Where(r => r.Claim.Method == "tuning_curve").SelectMany(r => r.Claim.Targets).Distinct().ToList();
        Assert.All(targeted, t => Assert.StartsWith("Curve detector", units.Single(u => u.Unit == t).Role));
        Assert.All(runs, r => Assert.True(r.Verdict == EvidenceVerdict.Supported,
            $"{r.Claim.Key}: {r.Status} {r.HeadlineValue} vs {r.Claim.Comparison} {r.Claim.Expected} {r.Error}"));

        // Each record names the image blobs it read, and the archive holds them.
        foreach (var run in runs)
        {
            var inputs = run.Inputs!.RootElement;
            var named = run.Claim.Method == "tuning_curve"
                ? new[] { inputs.GetProperty("curves").GetProperty("sha256").GetString()!, inputs.GetProperty("lines").GetProperty("sha256").GetString()! }
                : [inputs.GetProperty("images").GetProperty("sha256").GetString()!, inputs.GetProperty("images").GetProperty("labels_sha256").GetString()!];
            foreach (var sha in named) await worker.BlobStore.VerifyAsync(ContentHash.Parse(sha), CancellationToken.None);
        }

        // The control sits beside every number: the layer's other units for a tuning curve, random units for the ablation.
        var tuning = runs.First(r => r.Claim.Method == "tuning_curve").Numbers!.RootElement;
        Assert.Equal(16, tuning.GetProperty("control").GetProperty("line_curve_ratio").GetArrayLength());
        Assert.Equal(24, tuning.GetProperty("curve_responses").GetArrayLength());
        var ablation = runs.Single(r => r.Claim.Method == "cnn_ablation").Numbers!.RootElement;
        Assert.Equal(30, ablation.GetProperty("random").GetArrayLength());
        Assert.Equal(ablation.GetProperty("claimed").GetProperty("differential").GetDouble() - ablation.GetProperty("control").GetProperty("mean_differential").GetDouble(),
            ablation.GetProperty("excess_over_random").GetDouble(), 12);

        // The claims' image blobs are referenced, so collecting garbage keeps them.
        await using var scope = worker.CreateScope();
        var collected = await new BlobCollector(scope.ServiceProvider.GetRequiredService<Archive.Data.ArchiveDbContext>(), worker.BlobStore).CollectAsync(dryRun: true, CancellationToken.None);
        Assert.Equal(0, collected.RowsRemoved);
    }

    [Fact]
    public async Task A_bundle_without_the_images_its_claims_name_is_refused_before_anything_is_stored()
    {
        var copy = Path.Combine(bundles.Folder, "no-images-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(bundles.CurveDetectors, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(Path.GetDirectoryName(file)) == BundleManifest.ImagesFolder) continue;
            var destination = Path.Combine(copy, Path.GetRelativePath(bundles.CurveDetectors, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => worker.ImportAsync(copy));
        Assert.Contains(BundleManifest.ImagesFolder, e.Message);
        await using var db = worker.CreateDbContext();
        Assert.False(await db.Specimens.AnyAsync());
        Assert.False(await db.Blobs.AnyAsync());
    }
}
