using Archive.Engine.Superposition;
using Archive.Formats.Claims;
using Archive.Formats.Models;

namespace Archive.Engine.Evidence;

/// <summary>
/// Toy-model-of-superposition evidence (section 6), from the stored weights alone, so any recomputation is exact.
/// Parameters: <c>sparsity_index</c> (which model of the family; an <c>S=</c> target must name its sparsity), <c>measure</c>:
/// <c>represented_count</c> (features with ‖W_i‖ &gt; 0.5), <c>dimensions_per_feature</c> (m / ‖W‖_F²),
/// <c>feature_norm</c> / <c>dimensionality</c> of the target feature (<c>F3</c>), or <c>represented_gain</c>
/// (represented count at the last sparsity minus at the first).
/// </summary>
public sealed class SuperpositionMethods : IEvidenceMethod
{
    public IReadOnlyCollection<string> Names { get; } = ["superposition"];

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var claim = context.Claim;
        var config = ToyModelFile.Inspect(context.ModelPath);
        var p = claim.ParametersAs<SuperpositionParameters>();
        var (measure, k) = (p.Measure, p.SparsityIndex);
        var results = Enumerable.Range(0, config.sparsities.Length)
            .Select(i => SuperpositionMeasures.Compute(ToyModelFile.LoadWeights(context.ModelPath, i)))
            .ToList();
        if (k < 0 || k >= results.Count) throw new InvalidDataException($"sparsity_index {k} is out of range (the family has {results.Count} models).");
        // An S= target says which member the claim is about; it must be the one sparsity_index reads.
        foreach (var stated in claim.Targets.Where(t => t.Kind == TargetKind.Sparsity))
        {
            if (Math.Abs(stated.Sparsity - config.sparsities[k]) > 1e-6)
                throw new InvalidDataException($"Target '{stated}' names sparsity {stated.Sparsity}; sparsity_index {k} is the model trained at S = {config.sparsities[k]}.");
        }
        var m = results[k];
        double headline = measure switch
        {
            "represented_count" => m.RepresentedCount,
            "dimensions_per_feature" => m.DimensionsPerFeature ?? 0,
            "represented_gain" => results[^1].RepresentedCount - results[0].RepresentedCount,
            "feature_norm" => m.FeatureNorms[FeatureIndex(claim, config)],
            "dimensionality" => m.Dimensionality[FeatureIndex(claim, config)],
            _ => throw new InvalidDataException($"Unknown superposition measure '{measure}'."),
        };
        return new EvidenceOutcome(
            headline,
            new { sparsity_index = k, sparsity = config.sparsities[k], measure, represented_threshold = m.RepresentedThreshold },
            new { weights = $"{ToyModelFileHeader.WeightName(k)} of the model file", config },
            new
            {
                m.FeatureNorms, m.Represented, m.RepresentedCount, m.Interference, m.Dimensionality, m.DimensionsPerFeature,
                represented_count_by_sparsity = results.Select((r, i) => new { sparsity = config.sparsities[i], r.RepresentedCount, r.DimensionsPerFeature }).ToList(),
            },
            new
            {
                gram = new { title = $"WᵀW at S = {config.sparsities[k]}", rows = "feature", columns = "feature", values = m.Gram },
                feature_norms = new { title = "‖W_i‖ per feature", labels = Enumerable.Range(0, config.n_features).Select(i => $"F{i}").ToList(), values = m.FeatureNorms },
            });
    }

    private static int FeatureIndex(ClaimDefinition claim, ToyModelFamilyConfig config)
    {
        var target = claim.Targets.FirstOrDefault(t => t.Kind == TargetKind.Feature);
        if (target.Kind != TargetKind.Feature) throw new InvalidDataException("This measure needs a feature target such as F3.");
        if (target.Index >= config.n_features)
            throw new InvalidDataException($"Target '{target}' is not a feature of this model (F0 to F{config.n_features - 1}).");
        return target.Index;
    }
}
