using System.Text.Json.Serialization;
using Archive.Formats.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Engine.Transformer;

[JsonConverter(typeof(JsonStringEnumConverter<ComponentKind>))]
public enum ComponentKind
{
    /// <summary>One attention head's z, <c>blocks.{l}.attn.hook_z[:, :, head]</c>.</summary>
    Head,
    /// <summary>One MLP neuron, <c>blocks.{l}.mlp.hook_post[:, :, index]</c>.</summary>
    Neuron,
    /// <summary>A whole MLP's output, <c>blocks.{l}.hook_mlp_out</c>.</summary>
    Mlp,
    /// <summary>The residual stream entering a block, <c>blocks.{l}.hook_resid_pre</c>.</summary>
    ResidPre,
}

/// <summary>
/// A piece of the model that ablation and patching act on: a head, a neuron, an MLP or the residual stream, at every
/// position or (with <see cref="Position"/>) at one.
/// </summary>
public sealed record Component(ComponentKind Kind, int Layer, int? Index = null, int? Position = null)
{
    public static Component Head(int layer, int head, int? position = null) => new(ComponentKind.Head, layer, head, position);
    public static Component Neuron(int layer, int neuron, int? position = null) => new(ComponentKind.Neuron, layer, neuron, position);
    public static Component Mlp(int layer, int? position = null) => new(ComponentKind.Mlp, layer, null, position);
    public static Component ResidPre(int layer, int? position = null) => new(ComponentKind.ResidPre, layer, null, position);

    public static IEnumerable<Component> AllHeads(HookedTransformerConfig c) =>
        Enumerable.Range(0, c.n_layers).SelectMany(l => Enumerable.Range(0, c.n_heads).Select(h => Head(l, h)));

    public static IEnumerable<Component> AllMlps(HookedTransformerConfig c) =>
        c.attn_only ? [] : Enumerable.Range(0, c.n_layers).Select(l => Mlp(l));

    /// <summary>The hook point the component lives on.</summary>
    [JsonIgnore]
    public HookName Hook => Kind switch
    {
        ComponentKind.Head => HookName.Z(Layer),
        ComponentKind.Neuron => HookName.MlpPost(Layer),
        ComponentKind.Mlp => HookName.MlpOut(Layer),
        ComponentKind.ResidPre => HookName.ResidPre(Layer),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    /// <summary>E.g. <c>L1H4</c>, <c>L0N17</c>, <c>MLP2</c>, <c>resid_pre1</c>, with <c>@5</c> for one position.</summary>
    public string Label
    {
        get
        {
            string name = Kind switch
            {
                ComponentKind.Head => $"L{Layer}H{Index}",
                ComponentKind.Neuron => $"L{Layer}N{Index}",
                ComponentKind.Mlp => $"MLP{Layer}",
                _ => $"resid_pre{Layer}",
            };
            return Position is int p ? $"{name}@{p}" : name;
        }
    }

    /// <summary>Throws when the component does not exist in a model with config <paramref name="c"/>.</summary>
    public void Validate(HookedTransformerConfig c)
    {
        if (Layer < 0 || Layer >= c.n_layers) throw new ArgumentException($"{Label}: layer {Layer} is outside [0, {c.n_layers}).");
        switch (Kind)
        {
            case ComponentKind.Head when Index is not int h || h < 0 || h >= c.n_heads:
                throw new ArgumentException($"{Label}: head index must be in [0, {c.n_heads}).");
            case ComponentKind.Neuron when c.attn_only || Index is not int i || i < 0 || i >= c.d_mlp:
                throw new ArgumentException($"{Label}: neuron index must be in [0, {c.d_mlp}) of a model with MLPs.");
            case ComponentKind.Mlp when c.attn_only:
                throw new ArgumentException($"{Label}: this model is attention-only.");
        }
        if (Position is < 0) throw new ArgumentException($"{Label}: position must be non-negative.");
    }

    /// <summary>The index into the hook's activation that selects this component
    /// ([batch, pos, head, d_head] for heads, [batch, pos, d_mlp] for neurons, [batch, pos, d_model] otherwise).</summary>
    internal TensorIndex[] Selection()
    {
        var pos = Position is int p ? TensorIndex.Single(p) : TensorIndex.Colon;
        return Kind switch
        {
            ComponentKind.Head or ComponentKind.Neuron => [TensorIndex.Colon, pos, TensorIndex.Single(Index!.Value)],
            _ => [TensorIndex.Colon, pos],
        };
    }

    /// <summary>The selection at every position, for means over a reference batch.</summary>
    internal TensorIndex[] SelectionAllPositions() => (this with { Position = null }).Selection();
}

/// <summary>Hooks that ablate or patch a <see cref="Component"/>; pass them to <see cref="HookedTransformer.RunWithHooks"/>.</summary>
public static class Ablations
{
    /// <summary>Sets the component's activation to 0.</summary>
    public static (HookName, Func<Tensor, HookName, Tensor?>) Zero(Component component)
    {
        var sel = component.Selection();
        return (component.Hook, (x, _) =>
        {
            var y = x.clone();
            y.index_put_(0.0, sel);
            return y;
        });
    }

    /// <summary>Sets the component's activation to <paramref name="value"/>, broadcast over batch (and positions).</summary>
    public static (HookName, Func<Tensor, HookName, Tensor?>) SetTo(Component component, Tensor value)
    {
        var sel = component.Selection();
        return (component.Hook, (x, _) =>
        {
            var y = x.clone();
            y.index_put_(value.to(y.dtype, y.device), sel);
            return y;
        });
    }

    /// <summary>The component's mean activation over the batch and all positions of a reference run's cache
    /// ([d_head] for a head, a scalar for a neuron, [d_model] for an MLP or the residual stream).</summary>
    public static Tensor MeanOf(Component component, ActivationCache reference) =>
        reference[component.Hook].index(component.SelectionAllPositions()).mean([0, 1]);

    /// <summary>Mean-ablation: the component's activation replaced by <see cref="MeanOf"/> of a reference cache.</summary>
    public static (HookName, Func<Tensor, HookName, Tensor?>) Mean(Component component, ActivationCache reference) =>
        SetTo(component, MeanOf(component, reference));

    /// <summary>Activation patching: the component's activation replaced by the same selection from another run's cache
    /// (same batch and length).</summary>
    public static (HookName, Func<Tensor, HookName, Tensor?>) PatchFrom(Component component, ActivationCache source)
    {
        var sel = component.Selection();
        var hook = component.Hook;
        return (hook, (x, _) =>
        {
            var src = source[hook];
            if (!src.shape.SequenceEqual(x.shape))
                throw new InvalidOperationException($"Cannot patch {component.Label}: source activation {HookedTransformer.FormatShape(src.shape)} vs {HookedTransformer.FormatShape(x.shape)}.");
            var y = x.clone();
            y.index_put_(src.index(sel), sel);
            return y;
        });
    }
}
