using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Blobs;

public sealed record BlobCollection(int RowsRemoved, int ObjectsRemoved, long BytesRemoved, int StagingFilesRemoved);

/// <summary>
/// Removes blobs nothing refers to (<c>archive-worker blobs gc</c>): blob rows with no referring row, objects in the store
/// with no blob row (left by a transaction that failed after its commit to the store), and staging files of dead uploads.
/// It holds the collector's lock exclusively, so it waits for every writer between "commit to the store" and "reference
/// committed" and no writer starts meanwhile (see <see cref="BlobRows"/>); an upload still streaming only holds a staging
/// file, which is kept until it has been idle for <see cref="BlobStoreOptions.StagingExpiry"/>.
/// </summary>
public sealed class BlobCollector(ArchiveDbContext db, IBlobStore store)
{
    public async Task<BlobCollection> CollectAsync(bool dryRun, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({BlobRows.CollectorLockKey})", ct);

        var unreferenced = (await db.Database.SqlQueryRaw<string>(
                $"SELECT b.sha256 AS \"Value\" FROM blobs b WHERE b.sha256 NOT IN ({BlobRows.ReferencedHashesSql})")
            .ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var recorded = (await db.Set<Blob>().Select(b => b.Sha256).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);

        int objects = 0;
        long bytes = 0;
        await foreach (var blob in store.ListAsync(ct))
        {
            if (recorded.Contains(blob.Hash.Hex) && !unreferenced.Contains(blob.Hash.Hex)) continue;
            objects++;
            bytes += blob.Length;
            if (!dryRun) await store.DeleteAsync(blob.Hash, ct);
        }
        if (!dryRun && unreferenced.Count > 0)
        {
            var hashes = unreferenced.ToList();
            await db.Set<Blob>().Where(b => hashes.Contains(b.Sha256)).ExecuteDeleteAsync(ct);
        }
        await transaction.CommitAsync(ct);
        var staging = dryRun ? 0 : store.RemoveExpiredStagingFiles();
        return new BlobCollection(unreferenced.Count, objects, bytes, staging);
    }
}
