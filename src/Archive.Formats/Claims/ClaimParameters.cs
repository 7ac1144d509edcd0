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

/// <summary>Zero- or mean-ablation of the targets, measured on the loss over the second copy or over all positions.</summary>
public sealed record AblationParameters(RepeatedTokenParameters Tokens, string Ablation, string Metric, long? ReferenceSeed) : ClaimParameters
{
    public static readonly IReadOnlyList<string> Ablations = ["zero", "mean"];
    public static readonly IReadOnlyList<string> Metrics = ["loss_second_copy", "loss"];
}

/// <summary>Copying score of one head: of W_E·W_OV·W_U, or of W_OV alone with <c>ov_only</c>.</summary>
public sealed record CopyingParameters(bool OvOnly) : ClaimParameters;

/// <summary>No parameters (composition scores read the weights alone).</summary>
public sealed record NoParameters : ClaimParameters;

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
