using Archive.Engine.Evidence;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Vision;

/// <summary>
/// A unit's radial tuning curve (evidence-methods section 9): its responses to arcs at evenly spaced orientations and
/// to straight lines, and what Cammarata et al. (2020) read off it.
/// </summary>
/// <param name="Orientations">θ of each curve stimulus, degrees.</param>
/// <param name="CurveResponses">The unit's response to each curve stimulus.</param>
/// <param name="LineOrientations">θ of each line stimulus, degrees.</param>
/// <param name="LineResponses">The unit's response to each line stimulus.</param>
public sealed record TuningCurve(double[] Orientations, double[] CurveResponses, double[] LineOrientations, double[] LineResponses)
{
    public int PeakIndex => Array.IndexOf(CurveResponses, CurveResponses.Max());

    /// <summary>The orientation of the strongest curve response (the first, on a tie).</summary>
    public double PreferredOrientation => Orientations[PeakIndex];

    public double Peak => CurveResponses.Max();

    public double LinePeak => LineResponses.Max();

    /// <summary>Curve selectivity: peak response to curves / peak response to lines at any orientation (infinite or NaN
    /// when no line drives the unit at all, which a verdict treats as an error).</summary>
    public double Selectivity => Peak / LinePeak;

    /// <summary>Full width at half maximum of the curve responses, degrees (see <see cref="TuningCurves.FullWidthAtHalfMaximum"/>).</summary>
    public double Fwhm => TuningCurves.FullWidthAtHalfMaximum(CurveResponses);

    /// <summary>The strongest curve response at least 90° from the preferred orientation, as a fraction of the peak: a
    /// second lobe that the FWHM, which measures the lobe around the peak, does not see (NaN when nothing responds).</summary>
    public double FarResponse
    {
        get
        {
            var preferred = PreferredOrientation;
            var far = CurveResponses.Where((_, k) => Math.Min(Math.Abs(Orientations[k] - preferred) % 360, 360 - Math.Abs(Orientations[k] - preferred) % 360) >= 90);
            return Peak > 0 ? far.DefaultIfEmpty(0).Max() / Peak : double.NaN;
        }
    }
}

public static class TuningCurves
{
    /// <summary>The spatial position whose response a tuning curve reads: the centre of the layer's map, (h / 2, w / 2)
    /// rounded down (the lower-right of the four middle positions of an even map).</summary>
    public static (int Row, int Column) MapCentre(NamedLayer layer) => ((int)layer.OutputShape[1] / 2, (int)layer.OutputShape[2] / 2);

    /// <summary>Where in the image that position's receptive field is centred, in pixel-index coordinates.</summary>
    public static (double Row, double Column) ReceptiveFieldCentre(ConvNetConfig config, string layer)
    {
        var field = config.ReceptiveFieldOf(layer);
        var (row, column) = MapCentre(config.Layer(layer));
        return (field.CentreOf(row), field.CentreOf(column));
    }

    /// <summary>The square of pixels that position sees, clamped to the image: what figures of a unit's stimuli and
    /// visualisations are cropped to.</summary>
    public static (int Top, int Left, int Size) ReceptiveWindow(ConvNetConfig config, string layer)
    {
        var size = config.ReceptiveFieldOf(layer).Size;
        var (row, column) = ReceptiveFieldCentre(config, layer);
        static int Start(double centre, int size, int side) => Math.Clamp((int)Math.Ceiling(centre - size / 2.0), 0, Math.Max(0, side - size));
        return (Start(row, size, config.InputHeight), Start(column, size, config.InputWidth), size);
    }

    /// <summary>
    /// responses[unit][stimulus]: every channel of <paramref name="layer"/>, at the centre of its map, after the ReLU
    /// that follows the layer, for each stimulus.
    /// </summary>
    public static double[][] CentreResponses(ConvNet net, string layer, ImageSet stimuli, int batchSize = 256)
    {
        var named = net.Config.Layer(layer);
        if (named.Type != ConvNetConfig.Conv2d || !named.FollowedByRelu)
            throw new InvalidDataException($"A tuning curve reads a conv2d layer followed by a ReLU; '{layer}' is a {named.Type}{(named.FollowedByRelu ? "" : " without a ReLU after it")}.");
        if (stimuli.Height != net.Config.InputHeight || stimuli.Width != net.Config.InputWidth || net.Config.InputChannels != 1)
            throw new InvalidDataException($"The stimuli are {stimuli.Height} × {stimuli.Width} one-channel images; the network takes [{string.Join(", ", net.Config.input)}].");
        var (row, column) = MapCentre(named);
        var point = ConvHookPoint.Relu(layer);
        var responses = Enumerable.Range(0, named.Channels).Select(_ => new double[stimuli.Count]).ToArray();
        for (var start = 0; start < stimuli.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, stimuli.Count - start);
            using var scope = NewDisposeScope();
            using var images = stimuli.Slice(start, count, net.Device);
            var (_, cache) = net.RunWithCache(images, p => p == point);
            var centre = cache[point].select(3, column).select(2, row).to(ScalarType.Float64).cpu(); // [batch, channels]
            var values = centre.data<double>().ToArray();
            for (var i = 0; i < count; i++)
                for (var u = 0; u < named.Channels; u++) responses[u][start + i] = values[i * named.Channels + u];
        }
        return responses;
    }

    /// <summary>Every unit's tuning curve from its responses to the curve and line stimuli (orientations evenly spaced).</summary>
    public static TuningCurve[] Measure(ConvNet net, string layer, ImageSet curves, ImageSet lines)
    {
        var curveResponses = CentreResponses(net, layer, curves);
        var lineResponses = CentreResponses(net, layer, lines);
        var (curveAngles, lineAngles) = (CurveStimuli.Orientations(curves.Count), CurveStimuli.Orientations(lines.Count));
        return [.. curveResponses.Select((r, u) => new TuningCurve(curveAngles, r, lineAngles, lineResponses[u]))];
    }

    /// <summary>
    /// Full width at half maximum of responses at evenly spaced orientations around the circle, in degrees: from the
    /// (first) peak, walk each way to the first orientation whose response falls strictly below half the peak, placing
    /// the crossing by linear interpolation between it and its neighbour; the width is the sum of the two distances.
    /// 360 when the responses never fall below half the peak; NaN when the peak is not positive (no tuning to measure).
    /// </summary>
    public static double FullWidthAtHalfMaximum(IReadOnlyList<double> responses)
    {
        var n = responses.Count;
        var step = 360.0 / n;
        var peakIndex = 0;
        for (var i = 1; i < n; i++) if (responses[i] > responses[peakIndex]) peakIndex = i;
        var peak = responses[peakIndex];
        if (!(peak > 0)) return double.NaN;
        var half = peak / 2;

        double? Side(int direction)
        {
            for (var j = 1; j < n; j++)
            {
                double inside = responses[Wrap(peakIndex + (j - 1) * direction, n)], outside = responses[Wrap(peakIndex + j * direction, n)];
                if (outside < half) return (j - 1 + (inside - half) / (inside - outside)) * step;
            }
            return null;
        }
        if (Side(+1) is not { } right || Side(-1) is not { } left) return 360;
        return Math.Min(360, left + right);
    }

    private static int Wrap(int i, int n) => ((i % n) + n) % n;
}
