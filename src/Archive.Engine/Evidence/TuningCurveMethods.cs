using Archive.Engine.Vision;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// <c>tuning_curve</c> (evidence-methods section 9): the radial tuning curve of one unit (target <c>conv2:7</c>) over the
/// claim's stored stimuli, read at the centre of the unit's map after the ReLU that follows its layer. Headline by
/// <c>measure</c>: <c>selectivity</c> (peak curve response / peak line response), <c>line_curve_ratio</c> (its
/// reciprocal, finite also for a unit no straight line drives) or <c>fwhm</c> (degrees). The control beside it: the same
/// measures for every unit of the layer on the same stimuli.
/// </summary>
public sealed class TuningCurveMethods(IImageSetSource images) : IEvidenceMethod
{
    public IReadOnlyCollection<string> Names { get; } = ["tuning_curve"];

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var net = context.RequireConvNet();
        var claim = context.Claim;
        var p = claim.ParametersAs<TuningCurveParameters>();
        var (layer, channels) = ComponentTargets.ResolveUnits(claim.Targets, net.Config);
        var unit = channels.Single();
        var curves = images.Get(p.Curves);
        var lines = images.Get(p.Lines);
        var all = TuningCurves.Measure(net, layer.Name, curves, lines);
        var curve = all[unit];
        var headline = p.Measure switch
        {
            "selectivity" => curve.Selectivity,
            "line_curve_ratio" => LineCurveRatio(curve),
            "fwhm" => curve.Fwhm,
            _ => throw new InvalidDataException($"Unknown tuning-curve measure '{p.Measure}'."),
        };
        var responsive = Enumerable.Range(0, all.Length).Where(u => all[u].Peak > 0).ToList();
        var (mapRow, mapColumn) = TuningCurves.MapCentre(layer);
        var (rfRow, rfColumn) = TuningCurves.ReceptiveFieldCentre(net.Config, layer.Name);
        var field = net.Config.ReceptiveFieldOf(layer.Name);

        return new EvidenceOutcome(
            headline,
            new
            {
                unit = claim.Targets[0].ToString(), layer = layer.Name, channel = unit, measure = p.Measure,
                hook_point = ConvHookPoint.Relu(layer.Name).ToString(), map_position = new[] { mapRow, mapColumn },
                receptive_field = new { centre = new[] { rfRow, rfColumn }, size = field.Size, coordinates = "pixel (row, column), pixel centres at integers" },
                stimulus = new { radius = p.Radius, thickness = p.Thickness, arc_length = p.ArcLength },
                orientation_convention = "θ in degrees, counter-clockwise from the +column axis as viewed; for an arc, the direction from its midpoint to its circle's centre; for a line, its direction",
                fwhm_rule = "from the first peak, each way to the first orientation below half the peak, linearly interpolated; 360 when it never falls below half",
                far_response_rule = "the strongest curve response at least 90° from the preferred orientation, divided by the peak",
            },
            new
            {
                curves = new { sha256 = p.Curves.Sha256, count = p.Curves.Count, height = p.Curves.Height, width = p.Curves.Width, layout = p.Curves.Layout, orientations = curve.Orientations },
                lines = new { sha256 = p.Lines.Sha256, count = p.Lines.Count, height = p.Lines.Height, width = p.Lines.Width, layout = p.Lines.Layout, orientations = curve.LineOrientations },
            },
            new
            {
                curve_responses = curve.CurveResponses, line_responses = curve.LineResponses,
                preferred_orientation = curve.PreferredOrientation, peak = curve.Peak, line_peak = curve.LinePeak,
                selectivity = curve.Selectivity, line_curve_ratio = LineCurveRatio(curve), fwhm = curve.Fwhm,
                far_response = curve.FarResponse,
                control = new
                {
                    description = $"every unit of {layer.Name} on the same stimuli; the median is over the {responsive.Count} units that respond to at least one curve",
                    selectivity = all.Select(t => t.Selectivity).ToArray(),
                    line_curve_ratio = all.Select(LineCurveRatio).ToArray(),
                    fwhm = all.Select(t => t.Fwhm).ToArray(),
                    peak = all.Select(t => t.Peak).ToArray(),
                    preferred_orientation = all.Select(t => t.PreferredOrientation).ToArray(),
                    median_line_curve_ratio = Median(responsive.Select(u => LineCurveRatio(all[u]))),
                    median_fwhm = Median(responsive.Select(u => all[u].Fwhm)),
                    responsive_units = responsive.Count,
                },
            },
            new
            {
                polar_tuning_curve = new
                {
                    title = $"{claim.Targets[0]}: response by orientation (arcs of radius {p.Radius}, lines of length {p.ArcLength})",
                    orientations = curve.Orientations, curves = curve.CurveResponses,
                    line_orientations = curve.LineOrientations, lines = curve.LineResponses,
                },
            });
    }

    /// <summary>Peak line response / peak curve response: 1 / selectivity, 0 for a unit no line drives, NaN for one nothing drives.</summary>
    public static double LineCurveRatio(TuningCurve curve) => curve.Peak > 0 ? curve.LinePeak / curve.Peak : double.NaN;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
