using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Dictionaries;
using Archive.Engine;
using Archive.Engine.Evidence;
using Archive.Engine.Models;
using Archive.Engine.Saes;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;
using Archive.Formats.SaeLens;
using Archive.Specimens.Build;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

/// <summary>
/// The dashboards of an uploaded SAELens folder, computed by real worker processes: a worker killed in the middle of a
/// job loses it to the next once its lease lapses, and the dashboards stored are evidence-methods section 5's numbers,
/// the engine's own, for every feature; a job whose token set does not fit the model fails with the reason.
/// </summary>
public sealed class DashboardWorkerTests(WorkerFixture worker) : IAsyncLifetime
{
    private const string Brown = "brown-2l-induction-and-features";
    private static string BundleFile(string name) => Path.Combine(BuildCommand.DefaultBundlesFolder(), Brown, name);

    public async ValueTask InitializeAsync()
    {
        await worker.ResetAsync();
        await worker.ImportAsync(Path.Combine(BuildCommand.DefaultBundlesFolder(), Brown));
        await using var db = worker.CreateDbContext();
        await db.EvidenceRuns.ExecuteDeleteAsync(); // the bundle's claims: these tests are about dashboards
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The Brown SAE folder as an operator imports it, over the token set its claims are checked on (512 × 128).</summary>
    private async Task UploadAsync(string slug, string tokenSha, int windows, int length, Dictionary<string, byte[]>? extraFiles = null)
    {
        var manifest = JsonSerializer.Serialize(new DictionaryManifest
        {
            Slug = slug, Title = "Brown resid0, uploaded", Model = "brown-2l-d128", TokenSet = new DictionaryTokenSet(tokenSha, windows, length, "check split"),
        }, DictionaryManifest.JsonOptions);
        var store = worker.BlobStore;
        var staged = new Dictionary<string, StagedBlob>();
        try
        {
            foreach (var name in new[] { SaeLensFileNames.Config, SaeLensFileNames.Weights })
            {
                await using var file = File.OpenRead(BundleFile("sae/" + name));
                staged[name] = await store.StageAsync(file, null, CancellationToken.None);
            }
            foreach (var (name, bytes) in extraFiles ?? []) staged[name] = await store.StageAsync(new MemoryStream(bytes), null, CancellationToken.None);
            await using var db = worker.CreateDbContext();
            await DictionaryUploads.StoreAsync(db, store, manifest, staged, DictionaryUploader.Operator, CancellationToken.None);
        }
        finally
        {
            foreach (var file in staged.Values) await file.DisposeAsync();
        }
    }

    private async Task<DashboardJob> WaitForAsync(string what, Func<DashboardJob, bool> condition)
    {
        // A bound on a state of the database, not a timing: it only stops a broken worker from hanging the run.
        for (var i = 0; i < 3000; i++)
        {
            await using var db = worker.CreateDbContext();
            var job = await db.DashboardJobs.AsNoTracking().SingleAsync();
            if (condition(job)) return job;
            await Task.Delay(100);
        }
        Assert.Fail($"Never reached: {what}.");
        return null!;
    }

    [Fact]
    public async Task A_killed_workers_job_is_finished_by_the_next_and_the_dashboards_are_the_engines_numbers()
    {
        string tokenSha;
        await using (var db = worker.CreateDbContext())
        {
            tokenSha = (await db.Claims.Where(c => c.Method == "sae_feature").Select(c => c.Parameters).FirstAsync())
                .RootElement.GetProperty("token_set").GetProperty("sha256").GetString()!;
        }
        await UploadAsync("brown-uploaded", tokenSha, 512, 128);

        using (var first = WorkerProcess.Start(worker, "dash-first"))
        {
            await WaitForAsync("the first worker running the model", j => j.Status == DashboardStatus.Computing && j.Step >= 2);
            first.Kill();
        }
        using (WorkerProcess.Start(worker, "dash-second"))
        {
            var done = await WaitForAsync("dashboards ready", j => j.Status is DashboardStatus.Ready or DashboardStatus.Failed);
            Assert.Equal((DashboardStatus.Ready, null, 2), (done.Status, done.Error, done.Attempts));
        }

        // The engine's numbers for the same model, weights and ids.
        var tokensPath = Path.Combine(worker.CacheDirectory, "expected-tokens");
        Directory.CreateDirectory(worker.CacheDirectory);
        await using (var blob = await worker.BlobStore.OpenReadAsync(ContentHash.Parse(tokenSha), null, CancellationToken.None))
        await using (var copy = File.Create(tokensPath))
            await blob.CopyToAsync(copy);
        var tokens = TokenSetFile.Read(tokensPath, 512, 128);
        using var file = ModelFile.Load(BundleFile("model.safetensors"));
        using var model = HookedTransformer.FromStateDict(file.Config, file.StateDict, EngineDevice.Default);
        using var sae = SaeLensFolder.Load(BundleFile("sae"));
        var expected = FeatureDashboards.From("blocks.0.hook_resid_post", FeatureStatistics.Compute(model, sae.Sae, tokens), _ => "");

        await using var check = worker.CreateDbContext();
        var stored = await check.Features.Include(f => f.TopActivations).Where(f => f.FeatureDictionary.Slug == "brown-uploaded")
            .OrderBy(f => f.Index).ToListAsync();
        Assert.Equal(1024, stored.Count);
        foreach (var (row, want) in stored.Zip(expected.Features))
        {
            Assert.Equal(want.Index, row.Index);
            Assert.Equal(want.Density, row.Density, 1.0 / 65536);
            Assert.Equal(want.MaxActivation, row.MaxActivation, 1e-3);
            Assert.Equal(want.TopContexts.Count, row.TopActivations.Count);
            Assert.Equal(want.TopContexts.Select(c => c.MaxActivation), row.TopActivations.OrderBy(a => a.Rank).Select(a => a.MaxValue), (a, b) => Math.Abs(a - b) <= 1e-3);
        }
        // Token strings come from the model's own vocabulary.
        Assert.Contains(stored.SelectMany(f => f.TopActivations).SelectMany(a => a.Tokens), t => t == " the");
    }

    [Fact]
    public async Task A_token_set_the_model_cannot_read_fails_with_the_reason()
    {
        // Ids the archive already holds are only size-checked at upload; the worker checks every id before the model runs.
        var bytes = new byte[2 * 8 * 4];
        for (var i = 0; i < 16; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), i == 15 ? 9999 : i);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await using (var db = worker.CreateDbContext())
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await using var staged = await worker.BlobStore.StageAsync(new MemoryStream(bytes), null, CancellationToken.None);
            await BlobRows.StoreAsync(db, worker.BlobStore, staged, ClaimInputFiles.TokenIdsMediaType, CancellationToken.None);
            await transaction.CommitAsync();
        }
        await UploadAsync("brown-bad-tokens", sha, 2, 8);

        using (WorkerProcess.Start(worker, "dash-failing"))
        {
            var done = await WaitForAsync("the job ended", j => j.Status is DashboardStatus.Ready or DashboardStatus.Failed);
            Assert.Equal(DashboardStatus.Failed, done.Status);
            Assert.Contains("id 9999, outside the model's vocabulary [0, 4096)", done.Error);
        }
        await using var check = worker.CreateDbContext();
        Assert.False(await check.Features.AnyAsync(f => f.FeatureDictionary.Slug == "brown-bad-tokens"));
    }
}
