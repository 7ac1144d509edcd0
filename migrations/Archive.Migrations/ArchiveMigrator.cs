using Archive.Data;
using Archive.Data.Blobs;
using Archive.Migrations.Upgrade;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Archive.Migrations;

/// <summary>
/// Brings a database to the current schema, running the data steps that a schema migration cannot do by itself between
/// the migrations that need them (today: moving bytea files into the blob store before their tables are dropped).
/// </summary>
public static class ArchiveMigrator
{
    private const string BlobStoreMigration = "20261130090959_BlobStore";
    private const string FilesInBlobStoreMigration = "20261130091013_FilesInBlobStore";

    /// <returns>The migrations applied.</returns>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, IBlobStore store, TextWriter log, CancellationToken ct)
    {
        await using var db = ArchiveDataExtensions.CreateDbContext(connectionString);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Contains(FilesInBlobStoreMigration))
        {
            await db.GetService<IMigrator>().MigrateAsync(BlobStoreMigration, ct);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            var moved = await DatabaseFilesToBlobStore.MoveAsync(connection, store, log, ct);
            if (moved > 0) await log.WriteLineAsync($"Moved {moved} file(s) from PostgreSQL into the {store.Backend} blob store and verified them.");
        }
        else
        {
            await store.InitializeAsync(ct);
        }
        await db.Database.MigrateAsync(ct);
        return pending;
    }
}
