using Archive.Data.Blobs;
using Archive.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Data.Tests.Blobs;

/// <summary><c>blobs gc</c>: only blobs that nothing refers to go, and never while a writer holds the shared lock.</summary>
public sealed class BlobCollectorTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "archive-gc-tests-" + Guid.NewGuid().ToString("N"));
    private PostgresDatabase database = null!;
    private IBlobStore store = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        database = await PostgresDatabase.CreateAsync("archive_gc_tests");
        store = new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Directory = root }));
        await using var db = Db();
        await db.Database.MigrateAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await database.DisposeAsync();
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private ArchiveDbContext Db() => ArchiveDataExtensions.CreateDbContext(database.ConnectionString);

    [Fact]
    public async Task Removes_unreferenced_rows_and_orphan_objects_and_keeps_what_a_model_refers_to()
    {
        var referenced = await StoreWithRowAsync(TestFiles.Random(1000, seed: 50));
        var unreferenced = await StoreWithRowAsync(TestFiles.Random(2000, seed: 51));
        var orphan = (await store.PutAsync(new MemoryStream(TestFiles.Random(4000, seed: 52)), null, Ct)).Hash; // a failed transaction's leftover
        await using (var db = Db())
        {
            db.Models.Add(new Models.Model
            {
                Slug = "m", Name = "m", Architecture = "attn-only", ConfigJson = "{}", WeightsFileName = "m.safetensors", Sha256 = referenced.Hex,
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }

        var dryRun = await new BlobCollector(Db(), store).CollectAsync(dryRun: true, Ct);
        Assert.Equal(new BlobCollection(1, 2, 6000, 0), dryRun);
        Assert.NotNull(await store.StatAsync(orphan, Ct));

        var result = await new BlobCollector(Db(), store).CollectAsync(dryRun: false, Ct);

        Assert.Equal(new BlobCollection(1, 2, 6000, 0), result);
        Assert.NotNull(await store.StatAsync(referenced, Ct));
        Assert.Null(await store.StatAsync(unreferenced, Ct));
        Assert.Null(await store.StatAsync(orphan, Ct));
        await using var check = Db();
        Assert.Equal([referenced.Hex], await check.Blobs.Select(b => b.Sha256).ToListAsync(Ct));
    }

    [Fact]
    public async Task Waits_for_a_writer_between_its_commit_to_the_store_and_its_reference()
    {
        var bytes = TestFiles.Random(1000, seed: 53);
        await using var writer = Db();
        await using var transaction = await writer.Database.BeginTransactionAsync(Ct);
        await using var staged = await store.StageAsync(new MemoryStream(bytes), null, Ct);
        var stored = await BlobRows.StoreAsync(writer, store, staged, BlobRows.MediaTypes.Safetensors, Ct);

        // The collector blocks on the writer's shared lock; the writer's model row commits first, so the blob survives.
        var collecting = Task.Run(() => new BlobCollector(Db(), store).CollectAsync(dryRun: false, Ct));
        await WaitUntilAsync("the collector waits for the collector lock", async () =>
            await writer.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").SingleAsync(Ct) == 1);
        writer.Models.Add(new Models.Model
        {
            Slug = "m", Name = "m", Architecture = "attn-only", ConfigJson = "{}", WeightsFileName = "m.safetensors", Sha256 = stored.Hash.Hex,
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await writer.SaveChangesAsync(Ct);
        Assert.False(collecting.IsCompleted, "the collector ran while a writer held the shared lock");
        await transaction.CommitAsync(Ct);
        var result = await collecting;

        Assert.Equal(0, result.ObjectsRemoved);
        Assert.NotNull(await store.StatAsync(stored.Hash, Ct));
    }

    [Fact]
    public async Task A_model_cannot_name_a_file_the_archive_does_not_hold()
    {
        await using var db = Db();
        db.Models.Add(new Models.Model
        {
            Slug = "m", Name = "m", Architecture = "attn-only", ConfigJson = "{}", WeightsFileName = "m.safetensors", Sha256 = new string('d', 64),
            CreatedAt = DateTimeOffset.UtcNow,
        });

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));
        Assert.Contains("fk_models_blobs_sha256", error.InnerException!.Message);
    }

    /// <summary>Waits for a state of the system, not for a time: the bound only keeps a broken run from hanging.</summary>
    private static async Task WaitUntilAsync(string what, Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition()) return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"Never reached: {what}.");
    }

    private async Task<ContentHash> StoreWithRowAsync(byte[] bytes)
    {
        await using var db = Db();
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);
        await using var staged = await store.StageAsync(new MemoryStream(bytes), null, Ct);
        var stored = await BlobRows.StoreAsync(db, store, staged, BlobRows.MediaTypes.Safetensors, Ct);
        await transaction.CommitAsync(Ct);
        return stored.Hash;
    }
}
