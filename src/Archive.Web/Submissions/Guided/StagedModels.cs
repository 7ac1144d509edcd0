using Archive.Data.Blobs;
using Archive.Formats.Models;
using Microsoft.Extensions.Caching.Memory;

namespace Archive.Web.Submissions.Guided;

/// <summary>A model file the guided form uploaded and validated, waiting in the blob store's staging for "Save draft".</summary>
public sealed record StagedModel(StagedBlob Blob, string Architecture, ModelCard Card);

/// <summary>
/// The guided form uploads its model file on its own, with a progress bar, as soon as it is chosen: it streams into the
/// blob store's staging and is validated there, and is kept (staged, never committed: no row, no blob) under a random id
/// for the account that sent it until a save stores it, or for an hour unused, after which the staging file is removed.
/// A save copies it into its submission, so a refused save leaves it here for the next try.
/// </summary>
public sealed class StagedModels(IMemoryCache cache)
{
    private static readonly TimeSpan Idle = TimeSpan.FromHours(1);

    public Guid Keep(int userId, StagedModel model)
    {
        var id = Guid.NewGuid();
        var options = new MemoryCacheEntryOptions { SlidingExpiration = Idle };
        options.RegisterPostEvictionCallback((_, value, _, _) => ((StagedModel)value!).Blob.Dispose());
        cache.Set(Key(userId, id), model, options);
        return id;
    }

    public StagedModel? Find(int userId, Guid id) => cache.TryGetValue(Key(userId, id), out StagedModel? model) ? model : null;

    /// <summary>Removes the staging file now (a save stored the model, so the archive holds it under its slug).</summary>
    public void Release(int userId, Guid id)
    {
        if (Find(userId, id) is not { } model) return;
        cache.Remove(Key(userId, id));
        model.Blob.Dispose(); // at once: the cache's own callback runs later, on the thread pool (deleting twice is harmless)
    }

    private static string Key(int userId, Guid id) => $"guided-model:{userId}:{id}";
}
