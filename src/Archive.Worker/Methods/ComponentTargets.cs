using System.Text.RegularExpressions;
using Archive.Engine.Transformer;

namespace Archive.Worker.Methods;

/// <summary>
/// Claim targets in the archive's shorthand: <c>L1H4</c> (head 4 of layer 1), <c>L1H*</c> (every head of layer 1),
/// <c>L0MLP</c>, <c>L0N12</c> (neuron 12 of layer 0's MLP).
/// </summary>
public static partial class ComponentTargets
{
    public static IReadOnlyList<Component> Parse(IEnumerable<string> targets, HookedTransformerConfig config)
    {
        var components = new List<Component>();
        foreach (var target in targets)
        {
            var match = Shorthand().Match(target);
            if (!match.Success) throw new InvalidDataException($"Target '{target}' is not a component (expected L1H4, L1H*, L0MLP or L0N12).");
            var layer = int.Parse(match.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (layer >= config.n_layers) throw new InvalidDataException($"Target '{target}': the model has {config.n_layers} layers.");
            var index = match.Groups["index"].Value;
            var component = match.Groups["kind"].Value switch
            {
                "H" when index == "*" => Enumerable.Range(0, config.n_heads).Select(h => Component.Head(layer, h)),
                "H" => [Component.Head(layer, ParseIndex(target, index, config.n_heads))],
                "N" => [Component.Neuron(layer, ParseIndex(target, index, config.d_mlp ?? 0))],
                _ => [Component.Mlp(layer)],
            };
            components.AddRange(component);
        }
        foreach (var c in components) c.Validate(config);
        return components;
    }

    private static int ParseIndex(string target, string index, int count)
    {
        var i = int.Parse(index, System.Globalization.CultureInfo.InvariantCulture);
        if (i >= count) throw new InvalidDataException($"Target '{target}': index {i} is out of range (there are {count}).");
        return i;
    }

    [GeneratedRegex(@"^L(?<layer>\d{1,3})(?:(?<kind>H)(?<index>\d{1,4}|\*)|(?<kind>N)(?<index>\d{1,6})|(?<kind>MLP))$")]
    private static partial Regex Shorthand();
}
