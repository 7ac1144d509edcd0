using System.Text.Json;
using Archive.Data.Blobs;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

public sealed class BundleImportTests(WorkerFixture worker, BundleFixture bundles) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string> ImportAsync(string bundle)
    {
        await using var scope = worker.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportAsync(bundle, CancellationToken.None);
    }

    [Fact]
    public async Task Importing_a_bundle_stores_the_model_and_a_revision_and_queues_every_claim()
    {
        var outcome = await ImportAsync(bundles.Superposition);

        await using var db = worker.CreateDbContext();
        var specimen = await db.Specimens.Include(s => s.Model).SingleAsync();
        Assert.Equal(SpecimenStatus.Published, specimen.Status);
        Assert.Equal("toy-superposition", specimen.Model.Architecture);
        var blob = await db.Blobs.SingleAsync(b => b.Sha256 == specimen.Model.Sha256);
        Assert.Equal(specimen.Model.SizeBytes, blob.SizeBytes);
        await worker.BlobStore.VerifyAsync(ContentHash.Parse(specimen.Model.Sha256), CancellationToken.None);
        var claims = await db.Claims.Where(c => c.RevisionId == specimen.CurrentRevisionId).ToListAsync();
        Assert.NotEmpty(claims);
        Assert.Equal(claims.Count, await db.EvidenceRuns.CountAsync(r => r.Status == EvidenceStatus.Queued));
        Assert.Contains("revision 1", outcome);
        Assert.Contains("superposition", specimen.SearchText);
    }

    [Fact]
    public async Task Importing_the_same_bundle_again_adds_nothing()
    {
        await ImportAsync(bundles.Superposition);
        var again = await ImportAsync(bundles.Superposition);

        await using var db = worker.CreateDbContext();
        Assert.Equal("unchanged", again);
        Assert.Equal(1, await db.SpecimenRevisions.CountAsync());
    }

    [Fact]
    public async Task A_changed_writeup_becomes_a_new_revision_and_the_old_one_stays()
    {
        var copy = CopyBundle(bundles.Superposition);
        await ImportAsync(copy);
        File.AppendAllText(Path.Combine(copy, "writeup.md"), "\n## Addendum\n\nA later note.\n");
        await ImportAsync(copy);

        await using var db = worker.CreateDbContext();
        var revisions = await db.SpecimenRevisions.OrderBy(r => r.Number).ToListAsync();
        Assert.Equal([1, 2], revisions.Select(r => r.Number));
        Assert.DoesNotContain("Addendum", revisions[0].WriteupMarkdown);
        Assert.Contains("Addendum", revisions[1].WriteupMarkdown);
        Assert.Equal(revisions[1].Id, (await db.Specimens.SingleAsync()).CurrentRevisionId);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage-header")]
    [InlineData("bad-manifest")]
    public async Task A_bad_bundle_is_rejected_and_nothing_of_it_is_stored(string damage)
    {
        var copy = CopyBundle(bundles.Induction);
        var model = Path.Combine(copy, "model.safetensors");
        switch (damage)
        {
            case "truncated":
                var bytes = File.ReadAllBytes(model);
                File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
                break;
            case "garbage-header":
                var broken = File.ReadAllBytes(model);
                broken[8] = (byte)'[';
                File.WriteAllBytes(model, broken);
                break;
            default:
                File.WriteAllText(Path.Combine(copy, "specimen.json"), "{ \"slug\": 42 }");
                break;
        }

        await Assert.ThrowsAnyAsync<Exception>(() => ImportAsync(copy));

        await using var db = worker.CreateDbContext();
        Assert.Equal(0, await db.Models.CountAsync());
        Assert.Equal(0, await db.Specimens.CountAsync());
        Assert.Equal(0, await db.EvidenceRuns.CountAsync());
    }

    [Fact]
    public async Task A_claim_whose_parameters_do_not_read_is_refused_before_anything_is_stored_or_queued()
    {
        var copy = CopyBundle(bundles.Induction);
        var manifestPath = Path.Combine(copy, "specimen.json");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var claim = manifest["claims"]!.AsArray().First(c => (string?)c!["method"] == "induction_score")!;
        claim["parameters"]!["seqlen"] = 40;   // a typo for seq_len: run as written, it would check the default length
        claim["parameters"]!["batch"] = 0;
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync(copy));

        Assert.Contains("parameters.seqlen: is not a parameter of this method", error.Message);
        Assert.Contains("parameters.batch: must lie in [1, 4096]", error.Message);
        Assert.Contains($"claim '{(string?)claim["key"]}'", error.Message);
        await using var db = worker.CreateDbContext();
        Assert.Equal(0, await db.Models.CountAsync());
        Assert.Equal(0, await db.EvidenceRuns.CountAsync());
    }

    [Fact]
    public async Task The_import_command_reports_a_bad_bundle_and_imports_the_good_ones()
    {
        var folder = Path.Combine(bundles.Folder, "mixed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        CopyBundle(bundles.Superposition, Path.Combine(folder, "a-good"));
        var bad = CopyBundle(bundles.Induction, Path.Combine(folder, "b-bad"));
        File.WriteAllBytes(Path.Combine(bad, "model.safetensors"), [1, 2, 3]);

        await using var scope = worker.CreateScope();
        var exit = await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportFolderAsync(folder, CancellationToken.None);

        Assert.Equal(1, exit);
        await using var db = worker.CreateDbContext();
        Assert.Equal(["toy-models-of-superposition-20-in-5"], await db.Specimens.Select(s => s.Slug).ToListAsync());
    }

    private string CopyBundle(string source, string? target = null)
    {
        target ??= Path.Combine(bundles.Folder, "copy-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }
}
