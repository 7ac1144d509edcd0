using Archive.Engine.Transformer;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>Claim targets (<see cref="ComponentTarget"/>) as the components of one model, checked against its config.</summary>
public static class ComponentTargets
{
    public static IReadOnlyList<Component> Resolve(IEnumerable<ComponentTarget> targets, HookedTransformerConfig config)
    {
        var components = new List<Component>();
        foreach (var target in targets)
        {
            if (target.Layer >= config.n_layers) throw new InvalidDataException($"Target '{target}': the model has {config.n_layers} layers.");
            components.AddRange(target.Kind switch
            {
                TargetKind.LayerHeads => Enumerable.Range(0, config.n_heads).Select(h => Component.Head(target.Layer, h)),
                TargetKind.Head => [Component.Head(target.Layer, InRange(target, config.n_heads))],
                TargetKind.Neuron => [Component.Neuron(target.Layer, InRange(target, config.d_mlp ?? 0))],
                TargetKind.Mlp => [Component.Mlp(target.Layer)],
                _ => throw new InvalidDataException($"Target '{target}' is not a component of a transformer."),
            });
        }
        foreach (var c in components) c.Validate(config);
        return components;
    }

    private static int InRange(ComponentTarget target, int count) =>
        target.Index < count ? target.Index : throw new InvalidDataException($"Target '{target}': index {target.Index} is out of range (there are {count}).");
}
