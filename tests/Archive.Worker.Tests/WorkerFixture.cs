using Archive.Data;
using Archive.Data.Blobs;
using Archive.Tests.Shared;
using Archive.Worker.Evidence;
using Archive.Specimens.Import;
using Archive.Engine.Evidence;
using Archive.Worker.Methods;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

[assembly: AssemblyFixture(typeof(Archive.Worker.Tests.WorkerFixture))]
// Built once per run: training the induction specimen takes a minute and a half.
[assembly: AssemblyFixture(typeof(Archive.Worker.Tests.BundleFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Archive.Worker.Tests;

/// <summary>
/// One migrated database for the run and the worker's real services (importer, evidence runner, methods) over it.
/// <see cref="ResetAsync"/> empties the tables between tests.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    private PostgresDatabase database = null!;
    private ServiceProvider services = null!;

    public string ConnectionString => database.ConnectionString;

    public string CacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "archive-worker-tests-cache-" + Guid.NewGuid().ToString("N"));

    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), "archive-worker-tests-blobs-" + Guid.NewGuid().ToString("N"));

    public IBlobStore BlobStore => services.GetRequiredService<IBlobStore>();

    public async ValueTask InitializeAsync()
    {
        database = await PostgresDatabase.CreateAsync("archive_worker_tests");
        await using (var db = CreateDbContext()) await db.Database.MigrateAsync();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Blobs:Directory"] = BlobDirectory,
        }).Build());
        collection.AddArchiveData(ConnectionString);
        collection.AddBlobStore();
        collection.AddOptions<EvidenceWorkerOptions>().Configure(o => o.CacheDirectory = CacheDirectory);
        collection.AddEvidenceMethods();
        collection.AddScoped<BundleImporter>();
        services = collection.BuildServiceProvider();
    }

    public ArchiveDbContext CreateDbContext() => ArchiveDataExtensions.CreateDbContext(ConnectionString);

    public AsyncServiceScope CreateScope() => services.CreateAsyncScope();

    /// <summary>Imports one bundle folder with the worker's real importer.</summary>
    public async Task<string> ImportAsync(string bundle)
    {
        await using var scope = CreateScope();
        return await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportAsync(bundle, CancellationToken.None);
    }

    /// <summary>Runs every queued evidence run to completion in this process, one lease at a time (the worker host's
    /// own loop, with heartbeats and several processes, is tested in <c>WorkerProcessTests</c>).</summary>
    public async Task<int> RunQueueAsync()
    {
        var count = 0;
        while (true)
        {
            await using var scope = CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
            var worker = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvidenceWorkerOptions>>().Value.WorkerName;
            var leased = await EvidenceQueue.LeaseNextAsync(db, worker, TimeSpan.FromMinutes(5), CancellationToken.None);
            if (leased is null) return count;
            await scope.ServiceProvider.GetRequiredService<EvidenceRunner>().ExecuteAsync(leased, CancellationToken.None);
            count++;
        }
    }

    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            DO $$ DECLARE t text; BEGIN
              FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__EFMigrationsHistory' LOOP
                EXECUTE format('TRUNCATE TABLE %I RESTART IDENTITY CASCADE', t);
              END LOOP;
            END $$;
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        await database.DisposeAsync();
        foreach (var folder in new[] { CacheDirectory, BlobDirectory })
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
