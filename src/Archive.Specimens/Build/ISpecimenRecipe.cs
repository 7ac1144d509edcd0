using Archive.Engine.Training;

namespace Archive.Specimens.Build;

/// <summary>
/// How one of the archive's own specimens is made: train the model from a seed, compute its evidence with the engine,
/// and write the bundle (model file, writeup whose numbers come from that evidence, circuits, claims, dictionaries).
/// One implementation per specimen; <c>archive-specimens build</c> runs them.
/// </summary>
public interface ISpecimenRecipe
{
    /// <summary>The bundle folder's name and the specimen's slug.</summary>
    string Slug { get; }

    /// <summary>Writes the bundle into <paramref name="bundleFolder"/> (created empty by the caller).</summary>
    void Build(string bundleFolder, IProgress<TrainingProgress> progress, CancellationToken ct);
}
