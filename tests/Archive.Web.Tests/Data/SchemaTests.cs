using Archive.Data;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Tests.Shared;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Archive.Web.Tests.Data;

public sealed class SchemaTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_leave_nothing_pending()
    {
        await using var empty = await PostgresDatabase.CreateAsync("archive_schema");
        await using var db = ArchiveDataExtensions.CreateDbContext(empty.ConnectionString);

        await db.Database.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(0, await db.Specimens.CountAsync());
        Assert.False(db.Database.HasPendingModelChanges(), "The EF model has changes that no migration captures: add a migration.");
    }

    [Fact]
    public async Task Tables_and_columns_are_snake_case()
    {
        await using var db = archive.CreateDbContext();
        var names = await db.Database.SqlQueryRaw<string>(
            "SELECT table_name || '.' || column_name AS \"Value\" FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory'").ToListAsync();

        Assert.Contains("specimen_revisions.writeup_markdown", names);
        Assert.Contains("evidence_runs.headline_value", names);
        Assert.All(names, n => Assert.Equal(n.ToLowerInvariant(), n));
    }

    [Fact]
    public async Task A_saved_revision_cannot_be_updated()
    {
        await using var db = archive.CreateDbContext();
        var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "immutable", "Immutable"));
        var revisionId = specimen.CurrentRevisionId!.Value;

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            db.SpecimenRevisions.Where(r => r.Id == revisionId).ExecuteUpdateAsync(u => u.SetProperty(r => r.WriteupMarkdown, "rewritten")));
        Assert.Contains("immutable", error.MessageText);

        var claimError = await Assert.ThrowsAsync<PostgresException>(() =>
            db.Claims.Where(c => c.RevisionId == revisionId).ExecuteUpdateAsync(u => u.SetProperty(c => c.Expected, 0.0)));
        Assert.Contains("immutable", claimError.MessageText);

        await using var fresh = archive.CreateDbContext();
        Assert.StartsWith("## Question", (await fresh.SpecimenRevisions.SingleAsync(r => r.Id == revisionId)).WriteupMarkdown);
    }

    [Fact]
    public async Task A_new_revision_leaves_the_old_one_readable_at_its_number()
    {
        await using var db = archive.CreateDbContext();
        var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "revised", "Revised"));
        var second = new SpecimenRevision { SpecimenId = specimen.Id, Number = 2, WriteupMarkdown = "## New text", Message = "Rewrite", CreatedAt = DateTimeOffset.UtcNow };
        db.SpecimenRevisions.Add(second);
        await db.SaveChangesAsync();
        await db.Specimens.Where(s => s.Id == specimen.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.CurrentRevisionId, second.Id));

        await using var fresh = archive.CreateDbContext();
        var revisions = await fresh.SpecimenRevisions.Where(r => r.SpecimenId == specimen.Id).OrderBy(r => r.Number).ToListAsync();
        Assert.Equal([1, 2], revisions.Select(r => r.Number));
        Assert.StartsWith("## Question", revisions[0].WriteupMarkdown);
        Assert.Equal(second.Id, (await fresh.Specimens.SingleAsync(s => s.Id == specimen.Id)).CurrentRevisionId);
    }

    [Fact]
    public async Task Claim_status_rolls_up_from_each_claims_latest_run()
    {
        await using var db = archive.CreateDbContext();
        var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "rollup", "Rollup"));
        var claims = await db.Claims.Where(c => c.RevisionId == specimen.CurrentRevisionId).OrderBy(c => c.Key).ToListAsync();

        await ClaimStatusRollup.RefreshAsync(db, specimen.Id);
        Assert.Equal(ClaimStatus.Unverified, await StatusAsync());

        db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claims[0], EvidenceVerdict.Supported, 0.8));
        await db.SaveChangesAsync();
        await ClaimStatusRollup.RefreshAsync(db, specimen.Id);
        Assert.Equal(ClaimStatus.Partial, await StatusAsync());

        db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claims[1], EvidenceVerdict.Refuted, 0.1, DateTimeOffset.UtcNow.AddMinutes(-5)));
        await db.SaveChangesAsync();
        await ClaimStatusRollup.RefreshAsync(db, specimen.Id);
        Assert.Equal(ClaimStatus.Refuted, await StatusAsync());

        // A newer supporting run replaces the refutation.
        db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claims[1], EvidenceVerdict.Supported, 0.5));
        await db.SaveChangesAsync();
        await ClaimStatusRollup.RefreshAsync(db, specimen.Id);
        Assert.Equal(ClaimStatus.Supported, await StatusAsync());

        async Task<ClaimStatus> StatusAsync()
        {
            await using var fresh = archive.CreateDbContext();
            return (await fresh.Specimens.SingleAsync(s => s.Id == specimen.Id)).ClaimStatus;
        }
    }
}
