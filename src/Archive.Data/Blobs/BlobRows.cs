using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Blobs;

/// <summary>
/// The one way a file enters the archive's rows: commit the staged bytes to the store and record the blob, inside the
/// caller's transaction, under the shared side of the collector's lock. <see cref="BlobCollector"/> takes that lock
/// alone, so it never deletes a blob between the moment a writer finds it already stored and the moment the writer's
/// reference to it commits.
/// </summary>
public static class BlobRows
{
    /// <summary>PostgreSQL advisory lock key that writers share and the collector holds exclusively ("BLOBGC").</summary>
    public const long CollectorLockKey = 0x424C_4F42_4743;

    public static class MediaTypes
    {
        public const string Safetensors = "application/octet-stream";
        public const string Json = "application/json";
    }

    /// <summary>Every column that refers to a blob, as one SQL query of sha256 values (written once: the collector reads
    /// it). Claims name their token sets and image sets (tuning_curve's curves and lines, cnn_ablation's images and labels)
    /// inside their parameters, so those references are JSON paths, not foreign keys.</summary>
    public const string ReferencedHashesSql = """
        SELECT sha256 FROM models
        UNION SELECT sha256 FROM feature_dictionaries
        UNION SELECT sparsity_sha256 FROM feature_dictionaries WHERE sparsity_sha256 IS NOT NULL
        UNION SELECT sha256 FROM attribution_graphs
        UNION SELECT token_set_sha256 FROM dashboard_jobs
        UNION SELECT parameters->'token_set'->>'sha256' FROM claims WHERE parameters->'token_set'->>'sha256' IS NOT NULL
        UNION SELECT parameters->'curves'->>'sha256' FROM claims WHERE parameters->'curves'->>'sha256' IS NOT NULL
        UNION SELECT parameters->'lines'->>'sha256' FROM claims WHERE parameters->'lines'->>'sha256' IS NOT NULL
        UNION SELECT parameters->'images'->>'sha256' FROM claims WHERE parameters->'images'->>'sha256' IS NOT NULL
        UNION SELECT parameters->'images'->>'labels_sha256' FROM claims WHERE parameters->'images'->>'labels_sha256' IS NOT NULL
        """;

    public static async Task<StoredBlob> StoreAsync(ArchiveDbContext db, IBlobStore store, StagedBlob staged, string mediaType, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Store blobs inside the transaction that adds the rows referring to them.");
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock_shared({CollectorLockKey})", ct);
        var stored = await store.CommitAsync(staged, ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO blobs (sha256, size_bytes, media_type, created_at)
            VALUES ({stored.Hash.Hex}, {stored.Length}, {mediaType}, {DateTimeOffset.UtcNow})
            ON CONFLICT (sha256) DO NOTHING
            """, ct);
        return stored;
    }
}
