using System.Security.Cryptography;
using Archive.Data.Blobs;
using Archive.Data.Tests.Blobs;
using Archive.Migrations;
using Archive.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archive.Data.Tests.Upgrade;

/// <summary>
/// An archive from before the blob store (files as bytea rows) upgraded by the migration applier: every file must reach
/// the store whole, verified against its recorded sha256, before the bytea tables are dropped; a bad file stops the
/// upgrade with everything still in PostgreSQL.
/// </summary>
public sealed class BytesToBlobStoreUpgradeTests : IAsyncLifetime
{
    private const string LastMigrationBeforeBlobs = "20261124232749_RevisionSourceHash";
    private readonly string root = Path.Combine(Path.GetTempPath(), "archive-upgrade-tests-" + Guid.NewGuid().ToString("N"));
    private PostgresDatabase database = null!;
    private IBlobStore store = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        database = await PostgresDatabase.CreateAsync("archive_upgrade_tests");
        store = new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Directory = root }));
        await using var db = ArchiveDataExtensions.CreateDbContext(database.ConnectionString);
        await db.GetService<IMigrator>().MigrateAsync(LastMigrationBeforeBlobs, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await database.DisposeAsync();
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Every_bytea_file_moves_into_the_store_verified_and_the_bytea_tables_go()
    {
        var model = TestFiles.Random(2 * 1024 * 1024 + 5, seed: 40);
        var sae = TestFiles.Random(300_000, seed: 41);
        await SeedOldArchiveAsync(model, Sha(model), sae, Sha(sae));
        var log = new StringWriter();

        var applied = await ArchiveMigrator.MigrateAsync(database.ConnectionString, store, log, Ct);

        Assert.Contains("20261130091013_FilesInBlobStore", applied);
        Assert.Equal(model, await ReadAsync(Sha(model)));
        Assert.Equal(sae, await ReadAsync(Sha(sae)));
        await using var db = ArchiveDataExtensions.CreateDbContext(database.ConnectionString);
        Assert.Equal(new[] { Sha(model).Hex, Sha(sae).Hex }.Order(), (await db.Blobs.Select(b => b.Sha256).ToListAsync(Ct)).Order());
        Assert.Equal(model.Length, (await db.Blobs.SingleAsync(b => b.Sha256 == Sha(model).Hex, Ct)).SizeBytes);
        Assert.False(await TableExistsAsync("model_weights"));
        Assert.False(await TableExistsAsync("feature_dictionary_weights"));
        Assert.Contains("model 'old-model'", log.ToString());
        // A second run of the run command on the upgraded folder just works.
        Assert.Empty(await ArchiveMigrator.MigrateAsync(database.ConnectionString, store, TextWriter.Null, Ct));
    }

    [Fact]
    public async Task A_file_that_does_not_hash_to_its_recorded_sha256_stops_the_upgrade_with_nothing_dropped()
    {
        var model = TestFiles.Random(100_000, seed: 42);
        var sae = TestFiles.Random(1000, seed: 43);
        var wrong = Sha(TestFiles.Random(100_000, seed: 44));
        await SeedOldArchiveAsync(model, wrong, sae, Sha(sae));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ArchiveMigrator.MigrateAsync(database.ConnectionString, store, TextWriter.Null, Ct));

        Assert.Contains("old-model", error.Message);
        Assert.True(await TableExistsAsync("model_weights"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM model_weights"));
        Assert.Null(await store.StatAsync(wrong, Ct));
        Assert.Null(await store.StatAsync(Sha(model), Ct));
    }

    [Fact]
    public async Task Applying_migrations_without_the_applier_refuses_to_drop_files_that_are_not_in_the_store()
    {
        var model = TestFiles.Random(1000, seed: 45);
        var sae = TestFiles.Random(1000, seed: 46);
        await SeedOldArchiveAsync(model, Sha(model), sae, Sha(sae));

        await using var db = ArchiveDataExtensions.CreateDbContext(database.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => db.Database.MigrateAsync(Ct));

        Assert.Contains("only in PostgreSQL", error.MessageText);
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM model_weights"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM feature_dictionary_weights"));
    }

    private static ContentHash Sha(byte[] bytes) => ContentHash.FromDigest(SHA256.HashData(bytes));

    private async Task<byte[]> ReadAsync(ContentHash hash)
    {
        await using var stream = await store.OpenReadAsync(hash, null, Ct);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    /// <summary>Rows as the archive wrote them before the blob store: a model and a dictionary with their files in bytea.</summary>
    private async Task SeedOldArchiveAsync(byte[] model, ContentHash modelSha, byte[] sae, ContentHash saeSha)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            WITH m AS (
              INSERT INTO models (slug, name, architecture, description, config_json, n_layers, d_model, n_heads, d_vocab, n_ctx, attn_only,
                                  parameter_count, weights_file_name, sha256, size_bytes, training_notes, created_at)
              VALUES ('old-model', 'Old model', 'attn-only', '', '{}', 2, 64, 4, 50, 64, true, 1, 'model.safetensors', @model_sha, @model_size, '', now())
              RETURNING id
            ), w AS (
              INSERT INTO model_weights (model_id, content) SELECT id, @model FROM m
            ), d AS (
              INSERT INTO feature_dictionaries (slug, title, description, model_id, hook_name, hook_layer, architecture, d_in, d_sae, k,
                                                config_json, sha256, size_bytes, token_set_description, created_at)
              SELECT 'old-sae', 'Old SAE', '', id, 'blocks.0.hook_resid_post', 0, 'topk', 64, 4, 2, '{}', @sae_sha, @sae_size, '', now() FROM m
              RETURNING id
            )
            INSERT INTO feature_dictionary_weights (feature_dictionary_id, content) SELECT id, @sae FROM d
            """, connection);
        command.Parameters.AddWithValue("model_sha", modelSha.Hex);
        command.Parameters.AddWithValue("model_size", (long)model.Length);
        command.Parameters.AddWithValue("model", model);
        command.Parameters.AddWithValue("sae_sha", saeSha.Hex);
        command.Parameters.AddWithValue("sae_size", (long)sae.Length);
        command.Parameters.AddWithValue("sae", sae);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<bool> TableExistsAsync(string table) =>
        (bool)(await ScalarAsync($"SELECT to_regclass('public.{table}') IS NOT NULL"))!;

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }
}
