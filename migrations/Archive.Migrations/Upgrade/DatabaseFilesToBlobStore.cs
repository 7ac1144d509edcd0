using System.Data;
using Archive.Data.Blobs;
using Npgsql;

namespace Archive.Migrations.Upgrade;

/// <summary>
/// The upgrade from files kept as <c>bytea</c> rows (model_weights, feature_dictionary_weights) to the blob store. Each
/// file streams out of PostgreSQL into the store (never whole in memory), must hash to the sha256 its model or dictionary
/// recorded, is read back from the store and hashed again, and only then gets its <c>blobs</c> row. The next migration
/// drops the bytea tables and refuses to while any file lacks that row. Safe to run again after a failure.
/// </summary>
public static class DatabaseFilesToBlobStore
{
    private sealed record LegacyFile(string Kind, int Id, string Slug, ContentHash Hash, string Table, string KeyColumn);

    public static async Task<int> MoveAsync(NpgsqlConnection connection, IBlobStore store, TextWriter log, CancellationToken ct)
    {
        await store.InitializeAsync(ct);
        var files = new List<LegacyFile>();
        await using (var list = new NpgsqlCommand("""
            SELECT 'model', m.id, m.slug, m.sha256, 'model_weights', 'model_id' FROM model_weights w JOIN models m ON m.id = w.model_id
            UNION ALL
            SELECT 'dictionary', d.id, d.slug, d.sha256, 'feature_dictionary_weights', 'feature_dictionary_id'
              FROM feature_dictionary_weights w JOIN feature_dictionaries d ON d.id = w.feature_dictionary_id
            ORDER BY 1, 2
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var hash = ContentHash.TryParse(reader.GetString(3).Trim(), out var h) ? h
                    : throw new InvalidDataException($"{reader.GetString(0)} '{reader.GetString(2)}' records '{reader.GetString(3)}' as its sha256, which is not one.");
                files.Add(new LegacyFile(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), hash, reader.GetString(4), reader.GetString(5)));
            }
        }

        foreach (var file in files)
        {
            long length;
            await using (var read = new NpgsqlCommand($"SELECT content FROM {file.Table} WHERE {file.KeyColumn} = @id", connection))
            {
                read.Parameters.AddWithValue("id", file.Id);
                await using var reader = await read.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
                await reader.ReadAsync(ct);
                await using var content = await reader.GetStreamAsync(0, ct);
                StoredBlob stored;
                try
                {
                    stored = await store.PutAsync(content, new BlobStageOptions { ExpectedHash = file.Hash }, ct);
                }
                catch (BlobIntegrityException e)
                {
                    throw new InvalidDataException($"The stored weights of {file.Kind} '{file.Slug}' hash to {e.Actual}, not the recorded {file.Hash}; nothing was dropped. Fix or remove that row, then run the upgrade again.", e);
                }
                length = stored.Length;
            }
            await store.VerifyAsync(file.Hash, ct);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO blobs (sha256, size_bytes, media_type, created_at) VALUES (@sha, @size, @type, now())
                ON CONFLICT (sha256) DO NOTHING
                """, connection);
            insert.Parameters.AddWithValue("sha", file.Hash.Hex);
            insert.Parameters.AddWithValue("size", length);
            insert.Parameters.AddWithValue("type", BlobRows.MediaTypes.Safetensors);
            await insert.ExecuteNonQueryAsync(ct);
            await log.WriteLineAsync($"Moved the weights of {file.Kind} '{file.Slug}' ({length:N0} bytes, sha256 {file.Hash.Hex[..12]}…) into the blob store.");
        }
        return files.Count;
    }
}
