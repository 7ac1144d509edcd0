using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Specimens.Build;
using Archive.Specimens.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Worker.Tests;

/// <summary>The bundles committed in src/Archive.Worker/Bundles, which the run command imports into a fresh archive.</summary>
public sealed class ShippedBundleTests(WorkerFixture worker) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Every_shipped_bundle_imports_and_every_claim_in_it_is_supported_on_recheck()
    {
        var folder = BuildCommand.DefaultBundlesFolder();
        var slugs = BuildCommand.Recipes().Select(r => r.Slug).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(slugs, Directory.GetDirectories(folder).Select(d => Path.GetFileName(d)).Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList());

        await using (var scope = worker.CreateScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportFolderAsync(folder, CancellationToken.None));
        }
        await worker.RunQueueAsync();

        await using var db = worker.CreateDbContext();
        Assert.Equal(slugs, await db.Specimens.OrderBy(s => s.Slug).Select(s => s.Slug).ToListAsync());
        var runs = await db.EvidenceRuns.Include(r => r.Claim).ThenInclude(c => c.Revision).ThenInclude(r => r.Specimen).ToListAsync();
        Assert.NotEmpty(runs);
        Assert.All(runs, r => Assert.True(r.Verdict == EvidenceVerdict.Supported,
            $"{r.Claim.Revision.Specimen.Slug}/{r.Claim.Key}: {r.Status} {r.Verdict} {r.HeadlineValue} vs {r.Claim.Comparison} {r.Claim.Expected} {r.Error}"));
        Assert.All(await db.Specimens.ToListAsync(), s => Assert.Equal(ClaimStatus.Supported, s.ClaimStatus));
        Assert.True(await db.Features.AnyAsync(), "The Brown bundle's dictionary brings feature dashboards.");
    }
}
