using Archive.Data;
using Archive.Data.Evidence;
using Archive.Specimens.Build;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

/// <summary>
/// The worker as it runs in its container: its publish output alone, started in an empty folder with only dotnet on the
/// PATH (no repository, no npm, no network), with the database and the blob store. Every claim of every shipped bundle
/// must come back supported: models, dictionaries and token sets all come from the blob store.
/// </summary>
public sealed class PublishedWorkerTests(WorkerFixture worker) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_worker_from_its_publish_folder_outside_the_repository_supports_every_shipped_claim()
    {
        var publish = Environment.GetEnvironmentVariable(WorkerProcess.PublishVariable)
            ?? throw new InvalidOperationException($"{WorkerProcess.PublishVariable} is not set. Run the tests with .ci/test, which publishes the worker outside the repository.");
        await using (var scope = worker.CreateScope())
        {
            var failures = await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportFolderAsync(BuildCommand.DefaultBundlesFolder(), CancellationToken.None);
            Assert.Equal(0, failures);
        }
        var empty = Directory.CreateTempSubdirectory("archive-empty-").FullName;
        try
        {
            using (WorkerProcess.Start(worker, "published", publishFolder: publish, workingDirectory: empty))
            {
                for (var i = 0; i < 3000; i++)
                {
                    await using var db = worker.CreateDbContext();
                    if (!await db.EvidenceRuns.AnyAsync(EvidenceRun.IsPending)) break;
                    await Task.Delay(100);
                }
            }

            await using var check = worker.CreateDbContext();
            var runs = await check.EvidenceRuns.Include(r => r.Claim).ToListAsync();
            Assert.NotEmpty(runs);
            Assert.Contains(runs, r => r.Claim.Method == "sae_feature");
            Assert.All(runs, r =>
            {
                Assert.True(r.Status == EvidenceStatus.Succeeded, $"{r.Claim.Key}: {r.Status} {r.Error}");
                Assert.True(r.Verdict == EvidenceVerdict.Supported, $"{r.Claim.Key}: {r.HeadlineValue} vs {r.Claim.Comparison} {r.Claim.Expected}");
                Assert.Equal("published", r.Provenance!.RootElement.GetProperty("worker").GetString());
            });
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
