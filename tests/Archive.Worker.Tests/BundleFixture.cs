using Archive.Engine.Training;
using Archive.Specimens.Build;

namespace Archive.Worker.Tests;

/// <summary>
/// Bundles built once for the test run by the real recipes (the superposition sweep with shortened training). The claims
/// they write are derived from their own evidence, so they must hold when the worker re-checks them.
/// </summary>
public sealed class BundleFixture : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "archive-bundles-" + Guid.NewGuid().ToString("N"));

    public string Superposition { get; }

    public string Induction { get; }

    public string CurveDetectors { get; }

    public BundleFixture()
    {
        var quiet = new Progress<TrainingProgress>();
        var superposition = new SuperpositionSpecimen { Steps = 1_000 };
        Superposition = Path.Combine(Folder, superposition.Slug);
        Directory.CreateDirectory(Superposition);
        superposition.Build(Superposition, quiet, CancellationToken.None);

        // The induction recipe as shipped (about 90 s here): the circuit only forms at full length, and this is the
        // check that a rebuild on another machine still satisfies the claims it writes.
        var induction = new InductionSpecimen();
        Induction = Path.Combine(Folder, induction.Slug);
        Directory.CreateDirectory(Induction);
        induction.Build(Induction, quiet, CancellationToken.None);

        // The curve-detector recipe as shipped but without its replication seeds (about 30 s here): the claims it writes
        // come from the same seed and procedure, and must hold when the worker re-checks them from the stored files.
        var curves = new CurveDetectorSpecimen { ReplicationSeeds = [] };
        CurveDetectors = Path.Combine(Folder, curves.Slug);
        Directory.CreateDirectory(CurveDetectors);
        curves.Build(CurveDetectors, quiet, CancellationToken.None);
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}
