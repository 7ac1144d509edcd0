using System.Text.Json.Serialization;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

[JsonConverter(typeof(JsonStringEnumConverter<AblationKind>))]
public enum AblationKind
{
    /// <summary>The component's activation set to 0.</summary>
    Zero,
    /// <summary>The component's activation set to its mean over a recorded reference batch and all positions.</summary>
    Mean,
}

public sealed record ComponentEffect(Component Component, double Metric, double Effect);

/// <summary>Ablation effect M(with C ablated) − M(clean) of a set C of components (section 4), jointly and optionally one by one.</summary>
public sealed record AblationResult
{
    public required int[][] Tokens { get; init; }
    public required AblationKind Kind { get; init; }
    /// <summary>The batch the means came from (mean-ablation only).</summary>
    public int[][]? ReferenceTokens { get; init; }
    public required MetricSpec Metric { get; init; }
    public required Component[] Components { get; init; }
    public required double CleanMetric { get; init; }
    public required double AblatedMetric { get; init; }
    public required double Effect { get; init; }
    /// <summary>Each component ablated alone, when asked for.</summary>
    public ComponentEffect[]? PerComponent { get; init; }
}

/// <summary>One patched component: M_patched and (M_patched − M_corrupted)/(M_clean − M_corrupted), null when M_clean = M_corrupted.</summary>
public sealed record PatchedComponent(Component Component, double PatchedMetric, double? RecoveredFraction);

public sealed record ActivationPatchingResult
{
    public required int[][] CleanTokens { get; init; }
    public required int[][] CorruptedTokens { get; init; }
    public required MetricSpec Metric { get; init; }
    public required double CleanMetric { get; init; }
    public required double CorruptedMetric { get; init; }
    public required PatchedComponent[] Components { get; init; }
}

public static class Interventions
{
    public static AblationResult Ablate(HookedTransformer model, int[][] tokens, IReadOnlyList<Component> components,
        AblationKind kind, MetricSpec metric, int[][]? referenceTokens = null, bool perComponent = false)
    {
        if (components.Count == 0) throw new ArgumentException("No components to ablate.", nameof(components));
        foreach (var comp in components) comp.Validate(model.Config);
        metric.Validate(tokens.Length, tokens[0].Length);
        if (kind == AblationKind.Mean && referenceTokens is null)
            throw new ArgumentException("Mean-ablation needs a reference batch.", nameof(referenceTokens));

        using var scope = NewDisposeScope();
        var t = TokenTensor.From(tokens, model.Device);
        var hooks = new (HookName, Func<Tensor, HookName, Tensor?>)[components.Count];
        if (kind == AblationKind.Mean)
        {
            var reference = TokenTensor.From(referenceTokens!, model.Device);
            var hookSet = components.Select(c => c.Hook).ToHashSet();
            var (_, cache) = model.RunWithCache(reference, hookSet.Contains);
            using (cache)
            {
                for (int i = 0; i < components.Count; i++) hooks[i] = Ablations.SetTo(components[i], Ablations.MeanOf(components[i], cache));
            }
        }
        else
        {
            for (int i = 0; i < components.Count; i++) hooks[i] = Ablations.Zero(components[i]);
        }

        double clean = metric.Evaluate(model.RunWithHooks(t), t);
        double ablated = metric.Evaluate(model.RunWithHooks(t, hooks), t);
        ComponentEffect[]? each = null;
        if (perComponent)
        {
            each = new ComponentEffect[components.Count];
            for (int i = 0; i < components.Count; i++)
            {
                using var inner = NewDisposeScope();
                double m = metric.Evaluate(model.RunWithHooks(t, hooks[i]), t);
                each[i] = new ComponentEffect(components[i], m, m - clean);
            }
        }
        return new AblationResult
        {
            Tokens = tokens, Kind = kind, ReferenceTokens = kind == AblationKind.Mean ? referenceTokens : null, Metric = metric,
            Components = [.. components], CleanMetric = clean, AblatedMetric = ablated, Effect = ablated - clean, PerComponent = each,
        };
    }

    /// <summary>Runs the corrupted input once per component with that component's activation taken from the clean run.</summary>
    public static ActivationPatchingResult Patch(HookedTransformer model, int[][] cleanTokens, int[][] corruptedTokens,
        IReadOnlyList<Component> components, MetricSpec metric)
    {
        if (cleanTokens.Length != corruptedTokens.Length || cleanTokens.Zip(corruptedTokens).Any(p => p.First.Length != p.Second.Length))
            throw new ArgumentException("Clean and corrupted inputs must have the same shape.", nameof(corruptedTokens));
        foreach (var comp in components) comp.Validate(model.Config);
        metric.Validate(cleanTokens.Length, cleanTokens[0].Length);

        using var scope = NewDisposeScope();
        var clean = TokenTensor.From(cleanTokens, model.Device);
        var corrupted = TokenTensor.From(corruptedTokens, model.Device);
        var hookSet = components.Select(c => c.Hook).ToHashSet();
        var (cleanLogits, cache) = model.RunWithCache(clean, hookSet.Contains);
        using (cache)
        {
            // The metric's tokens: the loss is always measured against the clean continuation.
            double mClean = metric.Evaluate(cleanLogits, clean);
            double mCorrupted = metric.Evaluate(model.RunWithHooks(corrupted), clean);
            double denominator = mClean - mCorrupted;
            var results = new PatchedComponent[components.Count];
            for (int i = 0; i < components.Count; i++)
            {
                using var inner = NewDisposeScope();
                double m = metric.Evaluate(model.RunWithHooks(corrupted, Ablations.PatchFrom(components[i], cache)), clean);
                results[i] = new PatchedComponent(components[i], m, denominator == 0 ? null : (m - mCorrupted) / denominator);
            }
            return new ActivationPatchingResult
            {
                CleanTokens = cleanTokens, CorruptedTokens = corruptedTokens, Metric = metric,
                CleanMetric = mClean, CorruptedMetric = mCorrupted, Components = results,
            };
        }
    }
}
