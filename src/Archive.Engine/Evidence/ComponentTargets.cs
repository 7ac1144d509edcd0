using Archive.Engine.Transformer;
using Archive.Formats.Claims;
using Archive.Formats.Models;

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

    /// <summary>Unit targets (<c>conv2:7</c>) as channels of one named conv2d layer of a CNN, checked against its config.</summary>
    public static (NamedLayer Layer, int[] Channels) ResolveUnits(IReadOnlyList<ComponentTarget> targets, ConvNetConfig config)
    {
        if (targets.Count == 0 || targets.Any(t => t.Kind != TargetKind.Unit)) throw new InvalidDataException("The targets must be units of a convolutional network, such as conv2:7.");
        var names = targets.Select(t => t.LayerName!).Distinct().ToList();
        if (names.Count != 1) throw new InvalidDataException($"The units must be of one layer; the targets name {string.Join(", ", names)}.");
        var layer = config.NamedLayers().FirstOrDefault(l => l.Name == names[0])
            ?? throw new InvalidDataException($"Target '{targets[0]}': the network has no layer '{names[0]}' (layers: {string.Join(", ", config.NamedLayers().Select(l => l.Name))}).");
        if (layer.Type != ConvNetConfig.Conv2d) throw new InvalidDataException($"Target '{targets[0]}': '{layer.Name}' is a {layer.Type} layer, not conv2d.");
        foreach (var t in targets) InRange(t, layer.Channels);
        return (layer, [.. targets.Select(t => t.Index)]);
    }

    private static int InRange(ComponentTarget target, int count) =>
        target.Index < count ? target.Index : throw new InvalidDataException($"Target '{target}': index {target.Index} is out of range (there are {count}).");
}
