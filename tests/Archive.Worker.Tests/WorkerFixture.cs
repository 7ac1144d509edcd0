using Archive.Data;
using Archive.Tests.Shared;
using Archive.Worker.Evidence;
using Archive.Worker.Import;
using Archive.Worker.Methods;
using Microsoft.EntityFrameworkCore;
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

    public string ModelCacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "archive-worker-tests-" + Guid.NewGuid().ToString("N"));

    public async ValueTask InitializeAsync()
    {
        database = await PostgresDatabase.CreateAsync("archive_worker_tests");
        await using (var db = CreateDbContext()) await db.Database.MigrateAsync();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        collection.AddArchiveData(ConnectionString);
        collection.AddOptions<EvidenceWorkerOptions>().Configure(o => o.ModelCacheDirectory = ModelCacheDirectory);
        collection.AddEvidenceMethods();
        collection.AddScoped<BundleImporter>();
        services = collection.BuildServiceProvider();
    }

    public ArchiveDbContext CreateDbContext() => ArchiveDataExtensions.CreateDbContext(ConnectionString);

    public AsyncServiceScope CreateScope() => services.CreateAsyncScope();

    /// <summary>Runs every queued evidence run to completion, as the worker's loop does.</summary>
    public async Task<int> RunQueueAsync()
    {
        var count = 0;
        while (true)
        {
            await using var scope = CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
            var id = await EvidenceQueue.ClaimNextAsync(db, CancellationToken.None);
            if (id is null) return count;
            await scope.ServiceProvider.GetRequiredService<EvidenceRunner>().ExecuteAsync(id.Value, CancellationToken.None);
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
        if (Directory.Exists(ModelCacheDirectory)) Directory.Delete(ModelCacheDirectory, recursive: true);
    }
}
