using System.Collections.Concurrent;
using Archive.Data.Blobs;
using Archive.Engine.Evidence;
using Archive.Formats.Claims;
using Archive.Worker.Evidence;

namespace Archive.Worker.Methods;

/// <summary>
/// The worker's images and labels: the blobs a claim names by sha256, copied to local disk by <see cref="BlobCache"/>
/// (verified there against that name), kept in memory for the next runs. The record is recomputable from the blobs alone.
/// </summary>
public sealed class BlobImageSetSource(BlobCache files) : IImageSetSource
{
    private readonly ConcurrentDictionary<string, ImageSet> images = new();
    private readonly ConcurrentDictionary<string, byte[]> labels = new();

    public ImageSet Get(ImageSetReference set) =>
        // The shape is part of the key: the same bytes read as another shape must be checked again.
        images.GetOrAdd($"{set.Sha256}:{set.Count}x{set.Height}x{set.Width}", _ => ImageSetFile.Read(Fetch(set.Sha256), set));

    public byte[] GetLabels(ImageSetReference set)
    {
        var sha = set.LabelsSha256 ?? throw new InvalidDataException("The claim's image set names no labels_sha256.");
        return labels.GetOrAdd($"{sha}:{set.Count}", _ => ImageSetFile.ReadLabels(Fetch(sha), set.Count));
    }

    private string Fetch(string sha256)
    {
        if (!ContentHash.TryParse(sha256, out var hash)) throw new InvalidDataException($"'{sha256}' is not a sha256.");
        // Methods run synchronously on a pool thread (see EvidenceRunner), so waiting here blocks no host thread.
        return files.GetAsync(hash, CancellationToken.None).GetAwaiter().GetResult();
    }
}
