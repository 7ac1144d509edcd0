using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Engine;
using Archive.Engine.Evidence;
using Archive.Engine.Training;
using Archive.Engine.Vision;
using Archive.Formats.Claims;
using Archive.Formats.Models;
using Archive.Specimens.Import;

namespace Archive.Specimens.Build;

/// <summary>
/// Curve detectors (Cammarata et al. 2020) in a small CNN trained here from a seed on MNIST digits. Units of the second
/// convolutional layer are chosen by their radial tuning curves on one stimulus set (the selection split), and every
/// claim is checked on stimuli that played no part in choosing them: arcs and lines of other radii, thicknesses and
/// lengths. A second question, whether the curve units matter more for curved digits than for straight-stroked ones, is
/// tested by ablation against random units of the same layer, on held-out digits the network never trained on.
/// </summary>
public sealed class CurveDetectorSpecimen : ISpecimenRecipe
{
    public const string Layer = "conv2", EdgeLayer = "conv1";

    /// <summary>Chosen before any model was trained, after the year of Cammarata et al.'s paper.</summary>
    public const long Seed = 2020;

    public const int Orientations = 24;

    /// <summary>The stimuli that choose the units.</summary>
    public static readonly CurveStimulusGeometry Selection = new(Radius: 5, Thickness: 2, ArcLength: 8);

    /// <summary>Stimuli of their own, on which the claims are checked: a tighter, thinner, shorter arc and a wider,
    /// thicker, longer one.</summary>
    public static readonly (string Key, CurveStimulusGeometry Geometry)[] Independent =
    [
        ("small", new(Radius: 4, Thickness: 1.5, ArcLength: 7)),
        ("large", new(Radius: 7, Thickness: 2.5, ArcLength: 10)),
    ];

    /// <summary>
    /// Selection: a unit is a curve-detector candidate when, on the selection stimuli, its best curve drives it at least
    /// 1.4 times as much as its best line, its tuning is narrower than 90° at half maximum, and its peak is at least a
    /// tenth of the layer's largest (so that a unit barely touched by any stimulus is not chosen on noise).
    /// </summary>
    public const double SelectionSelectivity = 1.4, SelectionFwhm = 90, SelectionPeakFraction = 0.1;

    /// <summary>
    /// What every claim predicts on the independent stimuli, fixed here before they were measured: line/curve ≤ 0.8
    /// (selectivity ≥ 1.25) and FWHM ≤ 120°. Looser than the selection rule by a stated amount, because a unit chosen at
    /// one radius and thickness is expected to respond somewhat less cleanly at others; a unit with no orientation
    /// preference has a FWHM of 360° and a line detector a line/curve ratio near or above 1.
    /// </summary>
    public const double ClaimLineCurveRatio = 0.8, ClaimFwhm = 120;

    public static readonly int[] CurveDigits = [0, 2, 3, 5, 6, 8, 9], StraightDigits = [1, 4, 7];

    /// <summary>The unit atlas beside the model file: what every unit of conv1 and conv2 does, for the unit pages.</summary>
    public const string UnitsFile = "units.json";

    public string Slug => "curve-detectors-mnist-cnn";

    public ConvNetTrainingOptions Training { get; init; } = new() { Config = Architecture(), Epochs = 8, BatchSize = 64, LearningRate = 1e-3, Seed = Seed };

    /// <summary>Random draws for the ablation control.</summary>
    public int RandomDraws { get; init; } = 30;

    /// <summary>Other seeds the whole procedure (train, select, ablate) is repeated with, to show how much the ablation
    /// result depends on the seed. Tests set none.</summary>
    public IReadOnlyList<long> ReplicationSeeds { get; init; } = [2021, 2022, 2023, 2024, 2025];

    public static ConvNetConfig Architecture() => ConvNetConfig.FromJson("""
        {"kind": "cnn", "input": [1, 28, 28], "layers": [
          {"name": "conv1", "type": "conv2d", "out": 8, "kernel": 5, "stride": 1, "padding": 2}, {"type": "relu"}, {"type": "maxpool", "kernel": 2, "stride": 2},
          {"name": "conv2", "type": "conv2d", "out": 16, "kernel": 5, "stride": 1, "padding": 2}, {"type": "relu"}, {"type": "maxpool", "kernel": 2, "stride": 2},
          {"type": "flatten"}, {"name": "fc1", "type": "linear", "out": 64}, {"type": "relu"}, {"name": "fc2", "type": "linear", "out": 10}]}
        """);

    public void Build(string bundleFolder, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        var (training, heldOut) = MnistDigits.Load(MnistDigits.EnsureAvailable());
        var trained = ConvNetTraining.Train(Training, training.Images, training.Labels, progress, EngineDevice.Default, ct);
        using var net = trained.Net;
        var modelPath = Path.Combine(bundleFolder, "model.safetensors");
        ConvNetFile.Save(modelPath, net, new Dictionary<string, string>
        {
            ["training"] = JsonSerializer.Serialize(new
            {
                data = $"npm {MnistDigits.Package}, digits with index % {MnistDigits.HeldOutModulus} != {MnistDigits.HeldOutModulus - 1} within each digit file ({training.Images.Count} images)",
                epochs = Training.Epochs, batch_size = Training.BatchSize, learning_rate = Training.LearningRate, weight_decay = Training.WeightDecay,
                optimiser = "AdamW", loss = "cross-entropy", seed = Training.Seed, order = "SplitMix64 Fisher–Yates shuffle per epoch",
            }),
        });
        // Everything below reads the saved file back, as the worker will.
        using var saved = ConvNetFile.Load(modelPath, EngineDevice.Default);
        var analysis = CurveDetectorAnalysis.Run(saved, heldOut, RandomDraws, Seed);
        if (analysis.Chosen.Count == 0) throw new InvalidOperationException($"No unit of {Layer} meets the selection rule; nothing to claim.");
        var ablation = analysis.Ablation ?? throw new InvalidOperationException($"{analysis.Chosen.Count} chosen units leave too few others in {Layer} for a random control.");

        var images = new BundleImages(Path.Combine(bundleFolder, BundleManifest.ImagesFolder));
        var evaluation = images.Add(heldOut.Images, heldOut.Labels);
        var (centreRow, centreColumn) = TuningCurves.ReceptiveFieldCentre(saved.Config, Layer);
        var independent = Independent.Select(s =>
        {
            var curves = CurveStimuli.Curves(s.Geometry, Orientations, 28, 28, centreRow, centreColumn);
            var lines = CurveStimuli.Lines(s.Geometry, Orientations, 28, 28, centreRow, centreColumn);
            return new IndependentSet(s.Key, s.Geometry, images.Add(curves), images.Add(lines), TuningCurves.Measure(saved, Layer, curves, lines));
        }).ToList();

        var replications = ReplicationSeeds.Select(seed =>
        {
            using var replica = ConvNetTraining.Train(Training with { Seed = seed }, training.Images, training.Labels, progress, EngineDevice.Default, ct).Net;
            return (Seed: seed, Analysis: CurveDetectorAnalysis.Run(replica, heldOut, RandomDraws, seed));
        }).ToList();

        var (atlas, visualisations) = CurveUnitAtlas.Build(saved, modelPath, heldOut, analysis, ct);
        using (var units = File.Create(Path.Combine(bundleFolder, UnitsFile))) JsonSerializer.Serialize(units, atlas, UnitAtlas.JsonOptions);
        var claims = Claims(analysis, independent, evaluation);
        var circuit = CurveCircuit.Build(saved, analysis);
        var cleanAccuracy = UnitAblation.Predict(saved, heldOut.Images).Where((p, i) => p == heldOut.Labels[i]).Count() / (double)heldOut.Images.Count;

        var manifest = new BundleManifest
        {
            Slug = Slug,
            Title = "Curve detectors in a small CNN trained on MNIST",
            Summary = $"{analysis.Chosen.Count} of the {analysis.Selection.Length} units of {Layer} in a two-layer CNN trained on MNIST digits from seed {Seed} respond to arcs more than to any straight line, with a narrow lobe of orientation tuning, as Cammarata et al. found in InceptionV1 ({SecondLobes(analysis, independent)}); every claim is checked on stimuli of other radii, thicknesses and lengths than those that chose the units. Zero-ablating them changes held-out accuracy by {Signed(-ablation.Claimed.CurveDrop)} on curved digits and {Signed(-ablation.Claimed.StraightDrop)} on straight-stroked ones, against {Signed(-ablation.Random.Average(d => d.CurveDrop))} and {Signed(-ablation.Random.Average(d => d.StraightDrop))} for as many random units.{(replications.Count == 0 ? "" : $" Across {replications.Count} more seeds the difference {ReplicationSummary(replications)}.")}",
            Behaviour = "detecting curves of one orientation (curve detectors)",
            Tags = ["vision", "cnn", "curve-detectors", "mnist"],
            Techniques = ["tuning-curves", "feature-visualisation", "weight-analysis", "ablation"],
            Authors = ["Specimen Archive"],
            Featured = true,
            RevisionMessage = "Built by archive-specimens build from seed " + Seed.ToString(CultureInfo.InvariantCulture),
            Model = new BundleModel
            {
                Slug = "mnist-cnn-8-16",
                Name = "MNIST CNN: conv 8 → conv 16 → 64 → 10",
                Architecture = ConvNetFileHeader.Architecture,
                Units = UnitsFile,
                Description = $"Two 5×5 convolutions (8 and 16 channels, padding 2), each followed by ReLU and 2×2 max-pooling, then a 64-unit ReLU layer and 10 class scores; input one 28 × 28 channel, intensity in [0, 1]. {saved.Config.ParameterCount:N0} parameters.",
                TrainingNotes = $"{Training.Epochs} epochs of AdamW (lr {Training.LearningRate.ToString(CultureInfo.InvariantCulture)}, weight decay {Training.WeightDecay.ToString(CultureInfo.InvariantCulture)}, batch {Training.BatchSize}) on {training.Images.Count:N0} digits of npm {MnistDigits.Package}, seed {Seed}; held-out accuracy {Percent(cleanAccuracy)} on the other {heldOut.Images.Count:N0}.",
            },
            Circuits = [circuit],
            Claims = claims,
        };
        BundleWriter.Write(bundleFolder, manifest, CurveDetectorWriteup.Write(new CurveDetectorWriteup.Inputs(
            saved, Training, training.Images.Count, heldOut.Images.Count, cleanAccuracy, trained.LossCurve, analysis, independent, replications,
            visualisations, circuit, RandomDraws)));
    }

    private List<BundleClaim> Claims(CurveDetectorAnalysis analysis, IReadOnlyList<IndependentSet> independent, ImageSetReference evaluation)
    {
        var claims = new List<BundleClaim>();
        foreach (var unit in analysis.Chosen)
        {
            foreach (var set in independent)
            {
                var g = set.Geometry;
                var stimulus = $"arcs of radius {Number(g.Radius)}, thickness {Number(g.Thickness)} and length {Number(g.ArcLength)} px against lines of that length and thickness";
                claims.Add(TuningClaim($"{Layer}-{unit}-curve-selective-{set.Key}", $"{Layer}:{unit}",
                    $"{Layer}:{unit} prefers curves to straight lines on stimuli that did not choose it ({stimulus}): its best line drives it at most {Number(ClaimLineCurveRatio)} times as much as its best curve (curve selectivity ≥ {Number(1 / ClaimLineCurveRatio)})",
                    set, "line_curve_ratio", ClaimLineCurveRatio));
                claims.Add(TuningClaim($"{Layer}-{unit}-orientation-tuned-{set.Key}", $"{Layer}:{unit}",
                    $"{Layer}:{unit}'s response to curves has a narrow lobe around its preferred orientation on stimuli that did not choose it ({stimulus}): full width at half maximum ≤ {Number(ClaimFwhm)}°",
                    set, "fwhm", ClaimFwhm));
            }
        }
        claims.Add(new BundleClaim
        {
            Key = "curve-units-matter-more-for-curved-digits",
            Statement = $"Zero-ablating the curve units ({string.Join(", ", analysis.Chosen.Select(u => $"{Layer}:{u}"))}) costs curved digits (0, 2, 3, 5, 6, 8, 9) more accuracy, relative to straight-stroked ones (1, 4, 7), than ablating as many random other units of {Layer} does ({RandomDraws} draws): excess ≥ 0",
            Method = "cnn_ablation",
            Targets = [.. analysis.Chosen.Select(u => $"{Layer}:{u}")],
            Parameters = JsonSerializer.SerializeToElement(new
            {
                images = ImageSetJson(evaluation), curve_digits = CurveDigits, straight_digits = StraightDigits, seed = Seed, random_draws = RandomDraws,
                measure = "excess_over_random",
            }),
            Comparison = ClaimComparison.AtLeast,
            Expected = 0,
            Tolerance = 0,
        });
        return claims;
    }

    private static BundleClaim TuningClaim(string key, string unit, string statement, IndependentSet set, string measure, double ceiling) => new()
    {
        Key = key,
        Statement = statement,
        Method = "tuning_curve",
        Targets = [unit],
        Parameters = JsonSerializer.SerializeToElement(new
        {
            curves = ImageSetJson(set.Curves), lines = ImageSetJson(set.Lines),
            radius = set.Geometry.Radius, thickness = set.Geometry.Thickness, arc_length = set.Geometry.ArcLength, measure,
        }),
        Comparison = ClaimComparison.AtMost,
        Expected = ceiling,
        Tolerance = 0,
    };

    private static object ImageSetJson(ImageSetReference set) => set.LabelsSha256 is null
        ? new { sha256 = set.Sha256, count = set.Count, height = set.Height, width = set.Width }
        : new { sha256 = set.Sha256, count = set.Count, height = set.Height, width = set.Width, labels_sha256 = set.LabelsSha256 };

    private static string ReplicationSummary(IReadOnlyList<(long Seed, CurveDetectorAnalysis Analysis)> replications)
    {
        var tested = replications.Where(r => r.Analysis.Ablation is not null).Select(r => r.Analysis.Ablation!).ToList();
        var clear = tested.Count(r => r.RandomRank >= CurveDetectorWriteup.ClearRank);
        return $"clearly beats random units (at least {Percent(CurveDetectorWriteup.ClearRank)} of the draws) in {clear} of {tested.Count} that could be tested";
    }

    /// <summary>How many chosen units also answer a second orientation, ≥ 90° from the first, at more than half their peak on some independent set.</summary>
    private static string SecondLobes(CurveDetectorAnalysis analysis, IReadOnlyList<IndependentSet> independent)
    {
        var count = analysis.Chosen.Count(u => independent.Any(s => s.Tuning[u].FarResponse > 0.5));
        return count == 0 ? "none answers a second orientation at half its peak" : $"{count} of them also answer a second orientation at more than half their peak";
    }

    internal static string Signed(double fraction) => (fraction >= 0 ? "+" : "−") + Percent(Math.Abs(fraction));

    internal static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}

/// <summary>One independent stimulus set: its geometry, the blobs it was stored as, and every unit's tuning curve on it.</summary>
public sealed record IndependentSet(string Key, CurveStimulusGeometry Geometry, ImageSetReference Curves, ImageSetReference Lines, TuningCurve[] Tuning);

/// <summary>The image files a bundle's claims name, written to <c>images/{sha256}</c>.</summary>
internal sealed class BundleImages(string folder)
{
    public ImageSetReference Add(ImageSet images, byte[]? labels = null)
    {
        Directory.CreateDirectory(folder);
        var sha = Write(images.Pixels);
        return new ImageSetReference(sha, images.Count, images.Height, images.Width, labels is null ? null : Write(labels));
    }

    private string Write(byte[] bytes)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllBytes(Path.Combine(folder, sha), bytes);
        return sha;
    }
}

/// <summary>
/// The procedure the specimen runs on a trained network, written once so that the replication seeds run exactly what
/// the shipped model ran: tuning curves of every conv2 unit on the selection stimuli, the selection rule, and the
/// ablation of the chosen units against random ones on the held-out digits.
/// </summary>
public sealed record CurveDetectorAnalysis(TuningCurve[] Selection, IReadOnlyList<int> Chosen, UnitAblationResult? Ablation)
{
    public static CurveDetectorAnalysis Run(ConvNet net, LabelledDigits heldOut, int randomDraws, long seed)
    {
        const string layer = CurveDetectorSpecimen.Layer;
        var (row, column) = TuningCurves.ReceptiveFieldCentre(net.Config, layer);
        var g = CurveDetectorSpecimen.Selection;
        var selection = TuningCurves.Measure(net, layer, CurveStimuli.Curves(g, CurveDetectorSpecimen.Orientations, 28, 28, row, column),
            CurveStimuli.Lines(g, CurveDetectorSpecimen.Orientations, 28, 28, row, column));
        var largest = selection.Max(t => t.Peak);
        var chosen = Enumerable.Range(0, selection.Length).Where(u =>
            selection[u].Peak >= CurveDetectorSpecimen.SelectionPeakFraction * largest
            && selection[u].Selectivity >= CurveDetectorSpecimen.SelectionSelectivity
            && selection[u].Fwhm <= CurveDetectorSpecimen.SelectionFwhm).ToList();
        // The random control needs as many other units as there are chosen ones.
        var ablation = chosen.Count == 0 || chosen.Count > selection.Length - chosen.Count ? null
            : UnitAblation.Run(net, heldOut.Images, heldOut.Labels, layer, chosen, CurveDetectorSpecimen.CurveDigits, CurveDetectorSpecimen.StraightDigits, seed, randomDraws);
        return new CurveDetectorAnalysis(selection, chosen, ablation);
    }
}
