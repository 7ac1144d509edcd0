using System.Globalization;
using System.Security.Cryptography;
using Archive.Engine.Evidence;
using Archive.Engine.Vision;
using Archive.Formats.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Specimens.Build;

/// <summary>
/// Every unit of the CNN's two convolutions as the unit pages show it: its tuning curve (conv2 on the selection
/// stimuli that chose the curve units; conv1 on the short-line probe of the circuit, its receptive field being 5 pixels),
/// its feature visualisation, its kernels and the held-out digits that drive it most. Computed from the saved model file,
/// as the worker would read it, so <see cref="UnitAtlas.ModelSha256"/> names exactly what was analysed.
/// </summary>
public static class CurveUnitAtlas
{
    public const int TopExamples = 9;

    /// <summary>Seeds of the feature visualisations: conv2:u from <c>Seed + u</c> (as the writeup's), conv1:u from <c>Seed + 100 + u</c>.</summary>
    public static long VisualisationSeed(string layer, int channel) =>
        CurveDetectorSpecimen.Seed + (layer == CurveDetectorSpecimen.Layer ? 0 : 100) + channel;

    public static (UnitAtlas Atlas, Dictionary<int, ActivationMaximisationResult> CurveVisualisations) Build(
        ConvNet net, string modelPath, LabelledDigits heldOut, CurveDetectorAnalysis analysis, CancellationToken ct)
    {
        string sha;
        using (var file = File.OpenRead(modelPath)) sha = Convert.ToHexStringLower(SHA256.HashData(file));
        var edges = CurveCircuit.EdgeUnits(net);
        var units = new List<UnitRecord>();
        var curveVisualisations = new Dictionary<int, ActivationMaximisationResult>();
        foreach (var (layer, geometry) in new[] { (CurveDetectorSpecimen.EdgeLayer, CurveCircuit.EdgeProbe), (CurveDetectorSpecimen.Layer, CurveDetectorSpecimen.Selection) })
        {
            var (row, column) = TuningCurves.ReceptiveFieldCentre(net.Config, layer);
            var curves = CurveStimuli.Curves(geometry, CurveDetectorSpecimen.Orientations, net.Config.InputHeight, net.Config.InputWidth, row, column);
            var lines = CurveStimuli.Lines(geometry, CurveDetectorSpecimen.Orientations, net.Config.InputHeight, net.Config.InputWidth, row, column);
            var tuning = TuningCurves.Measure(net, layer, curves, lines);
            // The same window as the writeup's figures.
            var (top, left, size) = TuningCurves.ReceptiveWindow(net.Config, layer);
            int[] window = [top, left, size];
            var (curveCrops, lineCrops) = (Crops(curves, window), Crops(lines, window));
            var examples = TopExamplesOf(net, layer, heldOut);
            var kernels = Kernels(net, layer);
            for (var u = 0; u < tuning.Length; u++)
            {
                ct.ThrowIfCancellationRequested();
                var t = tuning[u];
                var visualisation = ActivationMaximisation.Run(net, layer, u, new ActivationMaximisationOptions { Seed = VisualisationSeed(layer, u) });
                if (layer == CurveDetectorSpecimen.Layer && analysis.Chosen.Contains(u)) curveVisualisations[u] = visualisation;
                var o = visualisation.Options;
                units.Add(new UnitRecord
                {
                    Unit = $"{layer}:{u}",
                    Role = layer == CurveDetectorSpecimen.Layer ? CurveRole(analysis, u) : EdgeRole(edges[u]),
                    Tuning = new UnitTuning
                    {
                        Radius = geometry.Radius, Thickness = geometry.Thickness, ArcLength = geometry.ArcLength, Centre = [row, column],
                        Orientations = t.Orientations, CurveResponses = t.CurveResponses, LineOrientations = t.LineOrientations, LineResponses = t.LineResponses,
                        Window = window, CurveStimuli = curveCrops, LineStimuli = lineCrops,
                        Selectivity = Finite(t.Selectivity), Fwhm = Finite(t.Fwhm), PreferredOrientation = t.PreferredOrientation, Peak = t.Peak,
                    },
                    Visualisation = new UnitVisualisation
                    {
                        Seed = o.Seed, Steps = o.Steps, LearningRate = o.LearningRate, InitialStd = o.InitialStd, TotalVariation = o.TotalVariation, L2 = o.L2,
                        Activation = visualisation.Activation, Pixels = visualisation.Image.Pixels,
                    },
                    Weights = kernels[u],
                    TopExamples = [.. examples[u].Select(i => new UnitExample
                    {
                        Index = i.Index, Label = heldOut.Labels[i.Index], Activation = i.Activation, Pixels = heldOut.Images.Image(i.Index).ToArray(),
                    })],
                    ExamplesFrom = $"{heldOut.Images.Count:N0} held-out MNIST digits (never trained on)",
                });
            }
        }
        var atlas = new UnitAtlas { ModelSha256 = sha, Units = units };
        atlas.Validate(net.Config, sha);
        return (atlas, curveVisualisations);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static byte[] Crops(ImageSet images, int[] window)
    {
        var (top, left, size) = (window[0], window[1], window[2]);
        var crops = new byte[images.Count * size * size];
        for (var i = 0; i < images.Count; i++)
            for (var r = 0; r < size; r++)
                images.Pixels.AsSpan((i * images.Height + top + r) * images.Width + left, size).CopyTo(crops.AsSpan((i * size + r) * size));
        return crops;
    }

    private static string CurveRole(CurveDetectorAnalysis analysis, int unit)
    {
        var t = analysis.Selection[unit];
        if (analysis.Chosen.Contains(unit))
            return $"Curve detector: chosen by the selection rule (best curve {Number(t.Selectivity)}× its best line, FWHM {Number(t.Fwhm)}°); its claims are checked on other stimuli.";
        var largest = analysis.Selection.Max(s => s.Peak);
        var misses = new List<string>();
        if (t.Peak < CurveDetectorSpecimen.SelectionPeakFraction * largest) misses.Add($"peak {Number(t.Peak)}, under a tenth of the layer's largest ({Number(largest)})");
        if (t.Selectivity < CurveDetectorSpecimen.SelectionSelectivity) misses.Add($"best curve only {Number(t.Selectivity)}× its best line (the rule asks {Number(CurveDetectorSpecimen.SelectionSelectivity)})");
        if (t.Fwhm > CurveDetectorSpecimen.SelectionFwhm) misses.Add($"FWHM {Number(t.Fwhm)}° (the rule asks ≤ {Number(CurveDetectorSpecimen.SelectionFwhm)}°)");
        return "Not chosen as a curve detector: " + string.Join("; ", misses) + ".";
    }

    private static string EdgeRole(CurveCircuit.EdgeUnit edge) => !(edge.Peak > 0)
        ? "No short line drives it at its receptive-field centre."
        : $"Prefers short lines at {Number(edge.PreferredOrientation)}° (mod 180°) at its receptive-field centre; line-tuning FWHM {Number(edge.Fwhm)}°, peak {Number(edge.Peak)}.";

    /// <summary>kernels[u]: the [k, k] kernel by which unit u reads each channel below it.</summary>
    private static List<UnitKernel>[] Kernels(ConvNet net, string layer)
    {
        using var weight = net.Param($"{layer}.weight").detach().cpu().to(ScalarType.Float64);
        var (outputs, inputs, k) = ((int)weight.shape[0], (int)weight.shape[1], (int)weight.shape[2]);
        var w = weight.data<double>().ToArray();
        var below = net.Config.NamedLayers().Where(l => l.Position < net.Config.Layer(layer).Position && l.Type == Archive.Formats.Models.ConvNetConfig.Conv2d).LastOrDefault();
        return [.. Enumerable.Range(0, outputs).Select(u => Enumerable.Range(0, inputs).Select(i => new UnitKernel
        {
            Input = below is null ? "input" : $"{below.Name}:{i}",
            Kernel = [.. Enumerable.Range(0, k).Select(r => w.AsSpan(((u * inputs + i) * k + r) * k, k).ToArray())],
        }).ToList())];
    }

    /// <summary>top[u]: the held-out images with unit u's largest response anywhere on its map (after the ReLU), largest first.</summary>
    private static List<(int Index, double Activation)>[] TopExamplesOf(ConvNet net, string layer, LabelledDigits heldOut)
    {
        var point = ConvHookPoint.Relu(layer);
        var channels = net.Config.Layer(layer).Channels;
        var maxima = Enumerable.Range(0, channels).Select(_ => new double[heldOut.Images.Count]).ToArray();
        const int batch = 256;
        for (var start = 0; start < heldOut.Images.Count; start += batch)
        {
            var count = Math.Min(batch, heldOut.Images.Count - start);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var (_, cache) = net.RunWithCache(heldOut.Images.Slice(start, count, net.Device), p => p == point);
            var values = cache[point].amax([2, 3]).to(ScalarType.Float64).cpu().data<double>().ToArray(); // [count, channels]
            for (var i = 0; i < count; i++)
                for (var u = 0; u < channels; u++) maxima[u][start + i] = values[i * channels + u];
        }
        // Ties keep the earlier image, so the choice is reproducible.
        return [.. maxima.Select(m => m.Select((a, i) => (Index: i, Activation: a)).OrderByDescending(e => e.Activation).ThenBy(e => e.Index).Take(TopExamples).ToList())];
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
