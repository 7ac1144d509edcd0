using Archive.Data.Evidence;
using Archive.Specimens.Build;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

/// <summary>A run whose number moved past the claim's tolerance is flagged as drift; evidence on replaced files is stale.</summary>
public sealed class DriftAndStalenessTests(WorkerFixture worker) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_run_that_moves_past_the_tolerance_is_flagged_and_one_that_repeats_is_not()
    {
        await worker.ImportAsync(Path.Combine(BuildCommand.DefaultBundlesFolder(), "induction-heads-2l-attn-only"));
        await worker.RunQueueAsync();
        int claimId;
        await using (var db = worker.CreateDbContext())
        {
            var first = await db.EvidenceRuns.Include(r => r.Claim).SingleAsync(r => r.Claim.Key == "previous-token-head");
            claimId = first.ClaimId;
            Assert.Null(first.HeadlineChange); // the first run has nothing to drift from
            // A record from before some change: the same claim, a number far from today's.
            var earlier = new EvidenceRun
            {
                Id = Guid.CreateVersion7(), ClaimId = claimId, Status = EvidenceStatus.Succeeded, Verdict = EvidenceVerdict.Supported, HeadlineValue = 0.1,
                RequestedAt = first.RequestedAt, FinishedAt = first.FinishedAt!.Value.AddMilliseconds(1),
            };
            db.EvidenceRuns.Add(earlier);
            await db.SaveChangesAsync();
            await EvidenceRequests.QueueAsync(db, claimId, "test", EvidencePriority.Person, CancellationToken.None);
        }
        await worker.RunQueueAsync();
        await using (var db = worker.CreateDbContext()) await EvidenceRequests.QueueAsync(db, claimId, "test", EvidencePriority.Person, CancellationToken.None);
        await worker.RunQueueAsync();

        await using var check = worker.CreateDbContext();
        var runs = await check.EvidenceRuns.Where(r => r.ClaimId == claimId && r.RequestedBy == "test").OrderBy(r => r.FinishedAt).ToListAsync();
        Assert.Equal(2, runs.Count);
        Assert.True(runs[0].Drifted);
        Assert.Equal(runs[0].HeadlineValue!.Value - 0.1, runs[0].HeadlineChange!.Value, 9);
        Assert.False(runs[1].Drifted);
        Assert.Equal(0, runs[1].HeadlineChange!.Value, 6);
    }

    [Fact]
    public async Task Replacing_a_models_weights_makes_its_evidence_stale_until_re_run()
    {
        var shipped = Path.Combine(BuildCommand.DefaultBundlesFolder(), "toy-models-of-superposition-20-in-5");
        var copy = Directory.CreateTempSubdirectory("archive-stale-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(shipped)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            await worker.ImportAsync(copy);
            await worker.RunQueueAsync();
            // New weights: one float of the last tensor changed (still a valid model file).
            var model = Path.Combine(copy, "model.safetensors");
            var bytes = await File.ReadAllBytesAsync(model);
            bytes[^1] ^= 0x01;
            await File.WriteAllBytesAsync(model, bytes);

            await worker.ImportAsync(copy);

            await using var db = worker.CreateDbContext();
            var finished = await db.EvidenceRuns.Where(r => r.Status == EvidenceStatus.Succeeded).ToListAsync();
            Assert.NotEmpty(finished);
            Assert.All(finished, r => Assert.True(r.Stale));
            Assert.All(await db.EvidenceRuns.Where(r => r.Status == EvidenceStatus.Queued).ToListAsync(), r => Assert.False(r.Stale));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
