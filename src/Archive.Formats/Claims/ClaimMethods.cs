using System.Text.Json;

namespace Archive.Formats.Claims;

/// <summary>A claim as the worker runs it: its method, its targets parsed, its parameters typed.</summary>
public sealed record ClaimDefinition(string Method, IReadOnlyList<ComponentTarget> Targets, ClaimParameters Parameters)
{
    public T ParametersAs<T>() where T : ClaimParameters =>
        Parameters as T ?? throw new InvalidOperationException($"Method '{Method}' has {Parameters.GetType().Name}, not {typeof(T).Name}.");
}

/// <summary>An evidence method as a claim names it: what it measures, which targets it takes, how its parameters read.</summary>
public sealed record ClaimMethod(string Name, string Summary, string TargetsHint, Func<ParameterReader, ClaimParameters> ReadParameters,
    Action<IReadOnlyList<ComponentTarget>, ClaimParameters, List<ClaimFieldError>> CheckTargets);

/// <summary>
/// Every method a claim can name, and the one rule for whether a claim is well-formed: the bundle importer refuses a
/// bad claim with it before anything is stored or queued, the worker reads its typed parameters through it, and the
/// site can list the methods and their parameters from it.
/// </summary>
public static class ClaimMethods
{
    private static readonly TargetKind[] Heads = [TargetKind.Head, TargetKind.LayerHeads];

    public static IReadOnlyList<ClaimMethod> All { get; } =
    [
        HeadScore("induction_score", "Induction score per head on repeated random tokens: mean attention from each second-copy token to the token after its first occurrence."),
        HeadScore("duplicate_token_score", "Duplicate-token score per head: mean attention from each second-copy token to its first occurrence."),
        HeadScore("previous_token_score", "Previous-token score per head: mean attention to the previous position."),
        HeadScore("detect_head", "TransformerLens's detect_head against a named detection pattern."),
        new("icl_score", "In-context-learning score: mean loss over the first copy minus over the second.", "none",
            RepeatedTokenParameters.Read, Targets(0, 0)),
        new("ablation", "Zero- or mean-ablate the targets together; the headline is the loss increase, or how much of it one target alone (or all singly, summed) accounts for.",
            "heads, MLPs or neurons: L1H4, L1H*, L0MLP, L0N12",
            r => new AblationParameters(RepeatedTokenParameters.Read(r), r.Choice("ablation", AblationParameters.Ablations, "zero"),
                r.Choice("metric", AblationParameters.Metrics, "loss_second_copy"), r.OptionalLong("reference_seed"),
                r.Choice("measure", AblationParameters.Measures, AblationMeasure.Effect)),
            (targets, parameters, errors) =>
            {
                Count(targets, errors, 1, 256);
                Kinds(targets, errors, TargetKind.Head, TargetKind.LayerHeads, TargetKind.Mlp, TargetKind.Neuron);
                // A share compares each target alone with all together: one head (not a whole layer) leaves nothing to compare.
                if (((AblationParameters)parameters).Measure != AblationMeasure.Effect && targets.Count == 1 && targets[0].Kind != TargetKind.LayerHeads)
                    errors.Add(new("targets", "a share measure needs at least two components to set against each other"));
            }),
        Composition("q_composition"), Composition("k_composition"), Composition("v_composition"),
        new("copying_score", "Copying score of one head, from the eigenvalues of W_E·W_OV·W_U (or of W_OV alone; Elhage et al. 2021).", "one head: L1H4",
            r => new CopyingParameters(r.Bool("ov_only", false)),
            Targets(1, 1, TargetKind.Head)),
        new("sae_feature", "A measure of one feature of a stored dictionary on a held-out corpus token set.", "one feature: F123",
            ReadSaeFeature,
            Targets(1, 1, TargetKind.Feature)),
        new("superposition", "A measure of a toy model of superposition, from its stored weights alone.", "S=0.99 (the family member), F3 for per-feature measures",
            r => new SuperpositionParameters(r.Int("sparsity_index", 0, 0, 1000), r.Choice("measure", SuperpositionParameters.Measures, "represented_count")),
            (targets, parameters, errors) =>
            {
                Kinds(targets, errors, TargetKind.Sparsity, TargetKind.Feature);
                if (SuperpositionParameters.NeedsFeature(((SuperpositionParameters)parameters).Measure) && targets.Count(t => t.Kind == TargetKind.Feature) != 1)
                    errors.Add(new("targets", "this measure needs exactly one feature target such as F3"));
            }),
        new("tuning_curve", "Radial tuning curve of one unit of a convolutional network over rotated arcs, against straight lines (Cammarata et al. 2020): curve selectivity or full width at half maximum.",
            "one unit: conv2:7",
            TuningCurveParameters.Read,
            Targets(1, 1, TargetKind.Unit)),
        new("cnn_ablation", "Zero-ablate units of one layer of a convolutional network: accuracy drop on curved digits minus on straight-stroked ones, against as many random units of the layer.",
            "units of one layer: conv2:3, conv2:7",
            CnnAblationParameters.Read,
            (targets, _, errors) =>
            {
                Count(targets, errors, 1, 256);
                Kinds(targets, errors, TargetKind.Unit);
                if (targets.Select(t => t.LayerName).Distinct().Count() > 1) errors.Add(new("targets", "all units must be of one layer"));
                if (targets.Distinct().Count() != targets.Count) errors.Add(new("targets", "names a unit twice"));
            }),
    ];

    public static ClaimMethod? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>The claim as typed values, or an <see cref="InvalidDataException"/> listing every fault.</summary>
    public static ClaimDefinition Parse(string method, IReadOnlyList<string> targets, JsonElement? parameters)
    {
        var errors = new List<ClaimFieldError>();
        return TryParse(method, targets, parameters, errors) ?? throw new InvalidDataException(string.Join("; ", errors));
    }

    public static ClaimDefinition? TryParse(string method, IReadOnlyList<string> targets, JsonElement? parameters, List<ClaimFieldError> errors)
    {
        var start = errors.Count;
        var found = Find(method);
        if (found is null)
        {
            errors.Add(new("method", $"unknown method '{method}'; known: {string.Join(", ", All.Select(m => m.Name))}"));
            return null;
        }
        var parsed = new List<ComponentTarget>();
        for (var i = 0; i < targets.Count; i++)
        {
            if (ComponentTarget.TryParse(targets[i], out var t)) parsed.Add(t);
            else errors.Add(new($"targets[{i}]", $"'{targets[i]}' is not a target (expected {ComponentTarget.Syntax})"));
        }
        var reader = new ParameterReader(parameters, "parameters", errors);
        var typed = found.ReadParameters(reader);
        reader.RejectUnknown();
        if (errors.Count == start) found.CheckTargets(parsed, typed, errors);
        return errors.Count == start ? new ClaimDefinition(method, parsed, typed) : null;
    }

    private static ClaimMethod HeadScore(string name, string summary) => new(name, summary, "heads: L1H4, or L1H* for the layer's best head",
        r => new HeadScoreParameters(RepeatedTokenParameters.Read(r),
            name == "detect_head" ? r.Choice("detection_pattern", HeadScoreParameters.DetectionPatterns, "induction_head") : "induction_head"),
        Targets(1, 256, Heads));

    private static ClaimMethod Composition(string name) => new(name,
        $"{char.ToUpperInvariant(name[0])}-composition score between an earlier and a later head (Elhage et al. 2021), from the weights, against random matrices of the same shapes.",
        "an earlier head, then a later one: L0H0, L1H4",
        CompositionParameters.Read,
        (targets, _, errors) =>
        {
            Count(targets, errors, 2, 2);
            Kinds(targets, errors, TargetKind.Head);
            if (targets.Count == 2 && targets[0].Layer >= targets[1].Layer) errors.Add(new("targets", "the first head's layer must come before the second's"));
        });

    private static SaeFeatureParameters ReadSaeFeature(ParameterReader r)
    {
        var dictionary = r.RequiredString("dictionary");
        var measure = r.Choice("measure", SaeFeatureParameters.Measures, "top_context_fraction");
        FeaturePredicate? predicate = null;
        if (r.Raw("predicate") is { } p)
        {
            predicate = FeaturePredicate.TryFromJson(p, out var error);
            if (error is not null) r.Error("predicate", error);
        }
        else if (SaeFeatureParameters.NeedsPredicate(measure)) r.Error("predicate", $"is required for measure '{measure}'");
        var topK = r.Int("top_k", 20, 1, 1000);
        var tokens = r.Object("token_set");
        if (tokens is null) r.Error("token_set", "is required");
        var set = tokens is null ? new CorpusTokenSet(CorpusTokenSet.BrownCorpus, CorpusTokenSet.HeldOut, 1, 2, null) : CorpusTokenSet.Read(tokens);
        return new SaeFeatureParameters(dictionary, measure, predicate, topK, set);
    }

    /// <summary>The rule of most methods: between <paramref name="min"/> and <paramref name="max"/> targets, each of
    /// <paramref name="kinds"/> (no kinds: a method that takes no targets, where the count says it all).</summary>
    private static Action<IReadOnlyList<ComponentTarget>, ClaimParameters, List<ClaimFieldError>> Targets(int min, int max, params TargetKind[] kinds) =>
        (targets, _, errors) =>
        {
            Count(targets, errors, min, max);
            if (kinds.Length > 0) Kinds(targets, errors, kinds);
        };

    private static void Count(IReadOnlyList<ComponentTarget> targets, List<ClaimFieldError> errors, int min, int max)
    {
        if (targets.Count < min || targets.Count > max)
            errors.Add(new("targets", min == max ? $"takes exactly {min} target{(min == 1 ? "" : "s")}" : $"takes {min} to {max} targets"));
    }

    private static void Kinds(IReadOnlyList<ComponentTarget> targets, List<ClaimFieldError> errors, params TargetKind[] allowed)
    {
        for (var i = 0; i < targets.Count; i++)
            if (!allowed.Contains(targets[i].Kind)) errors.Add(new($"targets[{i}]", $"'{targets[i]}' is not a kind of target this method takes"));
    }
}
