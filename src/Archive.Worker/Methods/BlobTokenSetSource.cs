using Archive.Formats.Claims;
using System.Collections.Concurrent;
using Archive.Data.Blobs;
using Archive.Engine.Evidence;
using Archive.Worker.Evidence;

namespace Archive.Worker.Methods;

/// <summary>
/// The worker's token sets: the blob the claim names by sha256, copied to local disk by <see cref="BlobCache"/> (verified
/// there against that name), kept in memory for the next runs. No corpus, no npm, no repository: the record is
/// recomputable from the blob alone.
/// </summary>
public sealed class BlobTokenSetSource(BlobCache files) : ITokenSetSource
{
    private readonly ConcurrentDictionary<string, int[][]> loaded = new();

    public int[][] Get(CorpusTokenSet set, RestrictedVocabulary vocabulary)
    {
        if (set.Sha256 is null || !ContentHash.TryParse(set.Sha256, out var hash))
            throw new InvalidDataException("The claim's token_set names no sha256, so the worker cannot fetch its ids.");
        return loaded.GetOrAdd(hash.Hex, _ =>
        {
            // Methods run synchronously on a pool thread (see EvidenceRunner), so waiting here blocks no host thread.
            var path = files.GetAsync(hash, CancellationToken.None).GetAwaiter().GetResult();
            return TokenSetFile.Read(path, set.Windows, set.Length);
        });
    }
}
