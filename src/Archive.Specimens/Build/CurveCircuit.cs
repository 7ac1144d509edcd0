using Archive.Data.Circuits;
using Archive.Engine.Evidence;
using Archive.Engine.Vision;

namespace Archive.Specimens.Build;

/// <summary>
/// The circuit from conv1's edge-like units to the curve units of conv2, read off the weights: an edge conv1:i → conv2:u
/// has magnitude ‖W[u, i]‖_F (the Frobenius norm of the 5 × 5 kernel that reads channel i) and the sign of that kernel's
/// sum (whether a uniform response of channel i excites or inhibits u). Each curve unit keeps its
/// <see cref="InputsPerUnit"/> strongest inputs. conv1 units are described by their orientation preference for short
/// lines at their own receptive-field centre, which is what makes them edge- or line-like.
/// </summary>
public static class CurveCircuit
{
    public const int InputsPerUnit = 3;

    /// <summary>The short lines conv1's 5-pixel receptive fields are probed with.</summary>
    public static readonly CurveStimulusGeometry EdgeProbe = new(Radius: 4, Thickness: 1.5, ArcLength: 4);

    /// <summary>A conv1 unit's line tuning: preferred orientation (mod 180°, lines being symmetric), peak, FWHM.</summary>
    public sealed record EdgeUnit(int Channel, double PreferredOrientation, double Peak, double Fwhm);

    /// <summary>One edge: how strongly and with what sign a conv2 unit reads a conv1 channel.</summary>
    public sealed record Connection(int From, int To, double Norm, double Sum)
    {
        public double Weight => Math.Sign(Sum) * Norm;
    }

    public static EdgeUnit[] EdgeUnits(ConvNet net)
    {
        var (row, column) = TuningCurves.ReceptiveFieldCentre(net.Config, CurveDetectorSpecimen.EdgeLayer);
        var lines = CurveStimuli.Lines(EdgeProbe, CurveDetectorSpecimen.Orientations, 28, 28, row, column);
        var responses = TuningCurves.CentreResponses(net, CurveDetectorSpecimen.EdgeLayer, lines);
        var angles = CurveStimuli.Orientations(lines.Count);
        return [.. responses.Select((r, i) =>
        {
            var best = Array.IndexOf(r, r.Max());
            return new EdgeUnit(i, angles[best] % 180, r.Max(), TuningCurves.FullWidthAtHalfMaximum(r));
        })];
    }

    /// <summary>Every conv1 → conv2 connection of the chosen units, strongest first per unit.</summary>
    public static List<Connection> Connections(ConvNet net, IEnumerable<int> units)
    {
        var weight = net.Param($"{CurveDetectorSpecimen.Layer}.weight"); // [out, in, k, k]
        var (inputs, k) = ((int)weight.shape[1], (int)weight.shape[2]);
        var w = weight.detach().cpu().data<float>().ToArray();
        var connections = new List<Connection>();
        foreach (var u in units)
        {
            connections.AddRange(Enumerable.Range(0, inputs).Select(i =>
            {
                var slice = w.AsSpan((u * inputs + i) * k * k, k * k).ToArray();
                return new Connection(i, u, Math.Sqrt(slice.Sum(v => (double)v * v)), slice.Sum(v => (double)v));
            }).OrderByDescending(c => c.Norm));
        }
        return connections;
    }

    public static CircuitDocument Build(ConvNet net, CurveDetectorAnalysis analysis)
    {
        var edges = EdgeUnits(net);
        var kept = Connections(net, analysis.Chosen).GroupBy(c => c.To).SelectMany(g => g.Take(InputsPerUnit)).ToList();
        var inputs = kept.Select(c => c.From).Distinct().Order().ToList();
        string Edge(int i) => $"{CurveDetectorSpecimen.EdgeLayer}:{i}";
        string Curve(int u) => $"{CurveDetectorSpecimen.Layer}:{u}";
        return new CircuitDocument("edges-to-curves", "Edge-like conv1 units → curve units of conv2",
            $"Weight-based edges from the first convolution's channels to the curve units of the second: magnitude ‖W[u, i]‖_F of the 5 × 5 kernel by which conv2:u reads conv1:i, signed by the kernel's sum; each curve unit's {InputsPerUnit} strongest inputs. Nodes are channels (units); 'neuron' is the circuit format's kind for a single unit, layer 0 is conv1 and layer 1 conv2.",
            null, null,
            [
                .. inputs.Select(i => new CircuitNodeDocument(Edge(i), "neuron", 0, null, i, null, Edge(i),
                    $"Prefers short lines at {CurveDetectorSpecimen.Number(edges[i].PreferredOrientation)}° (mod 180°) at its receptive-field centre; line-tuning FWHM {CurveDetectorSpecimen.Number(edges[i].Fwhm)}°, peak {BundleWriter.Format(edges[i].Peak)}.",
                    null, edges[i].Peak, null)),
                .. analysis.Chosen.Select(u => new CircuitNodeDocument(Curve(u), "neuron", 1, null, u, null, Curve(u),
                    $"Curve unit: on the selection stimuli it prefers arcs opening towards {CurveDetectorSpecimen.Number(analysis.Selection[u].PreferredOrientation)}°, selectivity {BundleWriter.Format(analysis.Selection[u].Selectivity)}, FWHM {CurveDetectorSpecimen.Number(analysis.Selection[u].Fwhm)}°.",
                    null, analysis.Selection[u].Peak, null)),
            ],
            [.. kept.Select(c => new CircuitEdgeDocument(Edge(c.From), Curve(c.To), Math.Round(c.Weight, 6), "weight"))]);
    }

    /// <summary>A conv kernel [k][k] of one (out, in) pair, for drawing.</summary>
    public static double[][] Kernel(ConvNet net, string layer, int output, int input)
    {
        var weight = net.Param($"{layer}.weight");
        var (inputs, k) = ((int)weight.shape[1], (int)weight.shape[2]);
        var w = weight.detach().cpu().data<float>().ToArray();
        return [.. Enumerable.Range(0, k).Select(r => Enumerable.Range(0, k).Select(c => (double)w[((output * inputs + input) * k + r) * k + c]).ToArray())];
    }

    /// <summary>One image of a set, cropped to a window, intensities in [0, 1].</summary>
    public static double[][] Crop(ImageSet images, int index, int top, int left, int size) =>
        Archive.Formats.Models.UnitImages.Window(images.Image(index).ToArray(), images.Width, [top, left, size]);
}
