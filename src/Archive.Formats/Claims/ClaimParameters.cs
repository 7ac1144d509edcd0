namespace Archive.Formats.Claims;

/// <summary>A method's parameters, typed and validated (see <see cref="ClaimMethods"/>).</summary>
public abstract record ClaimParameters;

/// <summary>Repeated random tokens (evidence-methods section 3): a BOS-free or BOS-prefixed block of <c>seq_len</c>
/// uniform tokens, then the same block again, <c>batch</c> sequences from <c>seed</c>.</summary>
public sealed record RepeatedTokenParameters(long Seed, int Batch, int SeqLen, int? Bos) : ClaimParameters
{
    public static RepeatedTokenParameters Read(ParameterReader r) =>
        new(r.Long("seed", 0), r.Int("batch", 32, 1, 4096), r.Int("seq_len", 20, 2, 2048), r.OptionalInt("bos", 0, int.MaxValue));
}

/// <summary>Head scores on repeated tokens; <c>detect_head</c> also names TransformerLens's detection pattern.</summary>
public sealed record HeadScoreParameters(RepeatedTokenParameters Tokens, string DetectionPattern) : ClaimParameters
{
    public static readonly IReadOnlyList<string> DetectionPatterns = ["previous_token_head", "duplicate_token_head", "induction_head"];
}

/// <summary>Zero- or mean-ablation of the targets, measured on the loss over the second copy or over all positions; the
/// headline by <see cref="Measure"/>.</summary>
public sealed record AblationParameters(RepeatedTokenParameters Tokens, string Ablation, string Metric, long? ReferenceSeed, AblationMeasure Measure = AblationMeasure.Effect)
    : ClaimParameters
{
    public static readonly IReadOnlyList<string> Ablations = ["zero", "mean"];
    public static readonly IReadOnlyList<string> Metrics = ["loss_second_copy", "loss"];

    public static readonly IReadOnlyList<(string Name, AblationMeasure Value)> Measures =
    [
        ("effect", AblationMeasure.Effect),
        ("largest_single_share", AblationMeasure.LargestSingleShare),
        ("sum_of_singles_share", AblationMeasure.SumOfSinglesShare),
    ];

    public string MeasureName => Measures.First(m => m.Value == Measure).Name;
}

/// <summary>
/// What an ablation claim compares. The shares set each target ablated alone against all of them ablated together, so that a
/// claim can say how a function is spread over components: one component that carries it has a largest single share near 1;
/// components that back each other up have singles summing to well under the joint effect.
/// </summary>
public enum AblationMeasure
{
    /// <summary>M(all targets ablated) − M(clean).</summary>
    Effect,
    /// <summary>The largest effect of one target ablated alone, divided by the joint effect.</summary>
    LargestSingleShare,
    /// <summary>The effects of each target ablated alone, summed, divided by the joint effect.</summary>
    SumOfSinglesShare,
}

/// <summary>Copying score of one head: of W_E·W_OV·W_U, or of W_OV alone with <c>ov_only</c>.</summary>
public sealed record CopyingParameters(bool OvOnly) : ClaimParameters;

/// <summary>
/// A composition score between two heads, set against the same score for random matrices of the model's shapes
/// (<c>baseline_samples</c> Gaussian draws from <c>baseline_seed</c>), which a trained pair must beat to mean anything.
/// </summary>
public sealed record CompositionParameters(CompositionMeasure Measure, long BaselineSeed, int BaselineSamples) : ClaimParameters
{
    public static readonly IReadOnlyList<(string Name, CompositionMeasure Value)> Measures =
        [("score", CompositionMeasure.Score), ("baseline_rank", CompositionMeasure.BaselineRank)];

    public string MeasureName => Measures.First(m => m.Value == Measure).Name;

    public static CompositionParameters Read(ParameterReader r) => new(
        r.Choice("measure", Measures, CompositionMeasure.Score), r.Long("baseline_seed", 0), r.Int("baseline_samples", 1000, 10, 100_000));
}

/// <summary>The headline of a composition claim.</summary>
public enum CompositionMeasure
{
    /// <summary>The pair's score itself (what claims written before the baseline existed compare).</summary>
    Score,
    /// <summary>The fraction of random draws scoring strictly below the pair: ≥ 0.95 reads "above the baseline's 95th percentile".</summary>
    BaselineRank,
}

/// <summary>A claim about one feature of a stored dictionary over a corpus token set.</summary>
public sealed record SaeFeatureParameters(string Dictionary, string Measure, FeaturePredicate? Predicate, int TopK, CorpusTokenSet TokenSet) : ClaimParameters
{
    public static readonly IReadOnlyList<string> Measures = ["top_context_fraction", "activation_precision", "recall", "density", "max_activation"];

    /// <summary>The measures that are about the feature alone, with no predicate.</summary>
    public static bool NeedsPredicate(string measure) => measure is not ("density" or "max_activation");
}

/// <summary>A toy model of superposition: which member of the family, and which measure.</summary>
public sealed record SuperpositionParameters(int SparsityIndex, string Measure) : ClaimParameters
{
    public static readonly IReadOnlyList<string> Measures = ["represented_count", "dimensions_per_feature", "represented_gain", "feature_norm", "dimensionality"];

    public static bool NeedsFeature(string measure) => measure is "feature_norm" or "dimensionality";
}

/// <summary>
/// A unit's radial tuning curve (evidence-methods section 9): its response to <c>curves</c>, arcs rotated through
/// <c>curves.count</c> evenly spaced orientations, and to <c>lines</c>, straight segments of the same length and thickness
/// at <c>lines.count</c> orientations. <c>radius</c>, <c>thickness</c> and <c>arc_length</c> (pixels) record how the
/// stimuli were drawn; the images themselves are what the method reads.
/// </summary>
public sealed record TuningCurveParameters(ImageSetReference Curves, ImageSetReference Lines, double Radius, double Thickness, double ArcLength, string Measure)
    : ClaimParameters
{
    public static readonly IReadOnlyList<string> Measures = ["selectivity", "line_curve_ratio", "fwhm"];

    public static TuningCurveParameters Read(ParameterReader r)
    {
        ImageSetReference Set(string name)
        {
            var o = r.Object(name);
            if (o is null) r.Error(name, "is required");
            return o is null ? new ImageSetReference("", 1, 1, 1, null) : ImageSetReference.Read(o, labelsRequired: false);
        }
        var p = new TuningCurveParameters(Set("curves"), Set("lines"), r.Double("radius", 0, 0, ImageSetReference.MaxSide),
            r.Double("thickness", 0, 0, ImageSetReference.MaxSide), r.Double("arc_length", 0, 0, ImageSetReference.MaxSide * 4),
            r.Choice("measure", Measures, "selectivity"));
        foreach (var name in new[] { "radius", "thickness", "arc_length" })
            if (r.Raw(name) is null) r.Error(name, "is required (how the stimuli were drawn, in pixels)");
        if (p.Curves.Count < 4) r.Error("curves.count", "needs at least 4 orientations");
        if (p.Lines.Count < 1) r.Error("lines.count", "needs at least 1 orientation");
        return p;
    }
}

/// <summary>
/// Zero-ablation of a convolutional layer's units, measured as accuracy drops on two groups of classes of a labelled image
/// set, against ablating as many units of the same layer drawn at random (<c>random_draws</c> draws from <c>seed</c>).
/// </summary>
public sealed record CnnAblationParameters(ImageSetReference Images, IReadOnlyList<int> CurveDigits, IReadOnlyList<int> StraightDigits,
    long Seed, int RandomDraws, string Measure) : ClaimParameters
{
    public static readonly IReadOnlyList<string> Measures = ["excess_over_random", "differential_drop", "random_rank"];
    public static readonly IReadOnlyList<int> DefaultCurveDigits = [0, 2, 3, 5, 6, 8, 9];
    public static readonly IReadOnlyList<int> DefaultStraightDigits = [1, 4, 7];

    public static CnnAblationParameters Read(ParameterReader r)
    {
        var images = r.Object("images");
        if (images is null) r.Error("images", "is required");
        var p = new CnnAblationParameters(
            images is null ? new ImageSetReference("", 1, 1, 1, null) : ImageSetReference.Read(images, labelsRequired: true),
            r.IntList("curve_digits", DefaultCurveDigits, 0, 255), r.IntList("straight_digits", DefaultStraightDigits, 0, 255),
            r.Long("seed", 0), r.Int("random_draws", 20, 1, 1000), r.Choice("measure", Measures, "excess_over_random"));
        if (p.CurveDigits.Count == 0 || p.StraightDigits.Count == 0) r.Error("curve_digits", "both groups need at least one class");
        if (p.CurveDigits.Intersect(p.StraightDigits).Any()) r.Error("straight_digits", "must not share a class with curve_digits");
        return p;
    }
}
