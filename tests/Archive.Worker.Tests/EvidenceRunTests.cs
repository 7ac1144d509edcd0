using System.Text.Json;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Engine.Methods;
using Archive.Engine.Models;
using Archive.Engine.Transformer;
using Archive.Worker.Evidence;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace Archive.Worker.Tests;

public sealed class EvidenceRunTests(WorkerFixture worker, BundleFixture bundles) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("superposition")]
    [InlineData("induction")]
    public async Task Every_claim_a_recipe_writes_is_supported_when_the_worker_rechecks_it(string which)
    {
        await worker.ImportAsync(which == "induction" ? bundles.Induction : bundles.Superposition);

        var ran = await worker.RunQueueAsync();

        await using var db = worker.CreateDbContext();
        var runs = await db.EvidenceRuns.Include(r => r.Claim).ToListAsync();
        Assert.Equal(runs.Count, ran);
        Assert.All(runs, r =>
        {
            Assert.True(r.Status == EvidenceStatus.Succeeded, $"{r.Claim.Key}: {r.Error}");
            Assert.True(r.Verdict == EvidenceVerdict.Supported, $"{r.Claim.Key}: {r.HeadlineValue} vs {r.Claim.Comparison} {r.Claim.Expected}");
        });
        Assert.Equal(ClaimStatus.Supported, (await db.Specimens.SingleAsync()).ClaimStatus);
    }

    [Fact]
    public async Task An_evidence_record_keeps_inputs_and_provenance_from_which_its_number_can_be_recomputed()
    {
        await worker.ImportAsync(bundles.Induction);
        await worker.RunQueueAsync();

        await using var db = worker.CreateDbContext();
        // One claim per induction head: any of them will do.
        var run = await db.EvidenceRuns.Include(r => r.Claim).Where(r => r.Claim.Method == "induction_score").OrderBy(r => r.Claim.Key).FirstAsync();
        var model = await db.Models.SingleAsync();
        var provenance = run.Provenance!.RootElement;
        Assert.Equal(model.Sha256, provenance.GetProperty("model_sha256").GetString());
        Assert.Equal("cpu", provenance.GetProperty("device").GetString());
        Assert.StartsWith("2.", provenance.GetProperty("libtorch").GetString());

        // A second implementation: the stored token ids through the stored model file, scored by hand from the pattern.
        var tokens = run.Inputs!.RootElement.GetProperty("tokens").Deserialize<int[][]>()!;
        var prefix = run.Inputs.RootElement.GetProperty("prefix_length").GetInt32();
        var L = run.Inputs.RootElement.GetProperty("repeat_length").GetInt32();
        var target = run.Claim.Targets.Single();
        int layer = target[1] - '0', head = int.Parse(target[(target.IndexOf('H') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var path = Path.Combine(bundles.Induction, "model.safetensors");
        using var file = ModelFile.Load(path);
        using var transformer = HookedTransformer.FromStateDict(file.Config, file.StateDict);
        double total = 0;
        foreach (var sequence in tokens)
        {
            var pattern = AttentionPatterns.Run(transformer, sequence).Patterns[layer][head];
            double sum = 0;
            for (int d = prefix + L; d < prefix + 2 * L; d++) sum += pattern[d][d - L + 1];
            total += sum / L;
        }
        Assert.Equal(total / tokens.Length, run.HeadlineValue!.Value, 1e-5);
    }

    [Fact]
    public async Task A_claim_with_a_bad_target_fails_with_a_clear_error_and_an_error_verdict()
    {
        await worker.ImportAsync(bundles.Induction);
        await using (var db = worker.CreateDbContext())
        {
            var claim = await db.Claims.FirstAsync(c => c.Method == "induction_score");
            // Claims are immutable; a bad one arrives as a new revision's claim in practice. Here: straight SQL insert.
            var revision = await db.SpecimenRevisions.SingleAsync();
            db.Claims.Add(new Archive.Data.Claims.Claim
            {
                RevisionId = revision.Id, Key = "bad-target", Statement = "Head 9.9 is an induction head", Method = "induction_score",
                Targets = ["L9H9"], Comparison = Archive.Data.Claims.ClaimComparison.AtLeast, Expected = 0.5,
            });
            await db.SaveChangesAsync();
            var bad = await db.Claims.SingleAsync(c => c.Key == "bad-target");
            db.EvidenceRuns.Add(new EvidenceRun { Id = Guid.NewGuid(), ClaimId = bad.Id, Status = EvidenceStatus.Queued, RequestedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        await worker.RunQueueAsync();

        await using var check = worker.CreateDbContext();
        var failed = await check.EvidenceRuns.Include(r => r.Claim).SingleAsync(r => r.Claim.Key == "bad-target");
        Assert.Equal(EvidenceStatus.Failed, failed.Status);
        Assert.Equal(EvidenceVerdict.Error, failed.Verdict);
        Assert.Contains("L9H9", failed.Error);
        Assert.Equal(ClaimStatus.Partial, (await check.Specimens.SingleAsync()).ClaimStatus);
    }

    [Fact]
    public async Task Two_workers_never_lease_the_same_run()
    {
        await worker.ImportAsync(bundles.Superposition);
        await using var db1 = worker.CreateDbContext();
        await using var db2 = worker.CreateDbContext();
        var queued = await db1.EvidenceRuns.CountAsync();

        var claimed = new List<Guid>();
        while (true)
        {
            var both = await Task.WhenAll(
                EvidenceQueue.LeaseNextAsync(db1, "worker-1", TimeSpan.FromMinutes(1), CancellationToken.None),
                EvidenceQueue.LeaseNextAsync(db2, "worker-2", TimeSpan.FromMinutes(1), CancellationToken.None));
            var got = both.Where(run => run is not null).Select(run => run!.Id).ToList();
            if (got.Count == 0) break;
            claimed.AddRange(got);
        }

        Assert.Equal(queued, claimed.Count);
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
    }
}
