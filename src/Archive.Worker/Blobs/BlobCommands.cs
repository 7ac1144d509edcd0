using Archive.Data;
using Archive.Data.Blobs;

namespace Archive.Worker.Blobs;

/// <summary>The <c>archive-worker blobs</c> verbs: maintenance of the blob store, run by an operator or a cron job.</summary>
public static class BlobCommands
{
    public static async Task<int> CollectAsync(IServiceProvider services, bool dryRun, CancellationToken ct)
    {
        var collector = new BlobCollector(services.GetRequiredService<ArchiveDbContext>(), services.GetRequiredService<IBlobStore>());
        var result = await collector.CollectAsync(dryRun, ct);
        Console.WriteLine(dryRun
            ? $"Would remove {result.ObjectsRemoved} unreferenced blob(s) ({result.BytesRemoved:N0} bytes) and {result.RowsRemoved} blob row(s)."
            : $"Removed {result.ObjectsRemoved} unreferenced blob(s) ({result.BytesRemoved:N0} bytes), {result.RowsRemoved} blob row(s) and {result.StagingFilesRemoved} expired staging file(s).");
        return 0;
    }

    public static async Task<int> VerifyAsync(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<IBlobStore>();
        int checkedCount = 0, corrupt = 0;
        await foreach (var blob in store.ListAsync(ct))
        {
            checkedCount++;
            try
            {
                await store.VerifyAsync(blob.Hash, ct);
            }
            catch (BlobIntegrityException e)
            {
                corrupt++;
                Console.Error.WriteLine(e.Message);
            }
        }
        Console.WriteLine($"Verified {checkedCount} blob(s) in the {store.Backend} store: {corrupt} corrupt.");
        return corrupt == 0 ? 0 : 1;
    }

    public static int Usage()
    {
        Console.Error.WriteLine("usage: archive-worker blobs gc [--dry-run] | archive-worker blobs verify");
        return 2;
    }
}
