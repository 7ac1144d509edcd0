using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Archive.Formats.Claims;

public enum TargetKind
{
    /// <summary><c>L1H4</c>: head 4 of layer 1.</summary>
    Head,
    /// <summary><c>L1H*</c>: every head of layer 1.</summary>
    LayerHeads,
    /// <summary><c>L0MLP</c>: layer 0's whole MLP.</summary>
    Mlp,
    /// <summary><c>L0N12</c>: neuron 12 of layer 0's MLP.</summary>
    Neuron,
    /// <summary><c>F123</c>: feature 123 (of a dictionary, or of a toy model).</summary>
    Feature,
    /// <summary><c>S=0.99</c>: the member of a toy-model family trained at that sparsity.</summary>
    Sparsity,
    /// <summary><c>conv2:7</c>: channel 7 of a convolutional network's layer <c>conv2</c> (evidence-methods section 9).</summary>
    Unit,
}

/// <summary>
/// What a claim is about, in the archive's shorthand: <c>L1H4</c>, <c>L1H*</c>, <c>L0MLP</c>, <c>L0N12</c>, <c>F123</c>,
/// <c>S=0.99</c> or <c>conv2:7</c>. Parsed and formatted here only; whether the component exists is the model's question
/// (the engine checks it against the model's config).
/// </summary>
/// <param name="LayerName">For <see cref="TargetKind.Unit"/>: the named layer (PyTorch module name, e.g. <c>conv2</c>).</param>
public readonly partial record struct ComponentTarget(TargetKind Kind, int Layer = 0, int Index = 0, double Sparsity = 0, string? LayerName = null)
{
    public const string Syntax = "L1H4, L1H*, L0MLP, L0N12, F123, S=0.99 or conv2:7";

    public static ComponentTarget Head(int layer, int head) => new(TargetKind.Head, layer, head);
    public static ComponentTarget Feature(int index) => new(TargetKind.Feature, Index: index);
    public static ComponentTarget Unit(string layerName, int channel) => new(TargetKind.Unit, Index: channel, LayerName: layerName);

    public static bool TryParse([NotNullWhen(true)] string? text, out ComponentTarget target)
    {
        target = default;
        if (text is null) return false;
        if (text.StartsWith("S=", StringComparison.Ordinal))
        {
            var ok = double.TryParse(text.AsSpan(2), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s is >= 0 and <= 1;
            target = new(TargetKind.Sparsity, Sparsity: s);
            return ok;
        }
        var match = Shorthand().Match(text);
        if (!match.Success) return false;
        if (match.Groups["feature"].Success)
        {
            target = Feature(Int(match.Groups["feature"].Value));
            return true;
        }
        if (match.Groups["unit"].Success)
        {
            target = Unit(match.Groups["unitlayer"].Value, Int(match.Groups["unit"].Value));
            return true;
        }
        var layer = Int(match.Groups["layer"].Value);
        var index = match.Groups["index"].Value;
        target = match.Groups["kind"].Value switch
        {
            "H" when index == "*" => new(TargetKind.LayerHeads, layer),
            "H" => new(TargetKind.Head, layer, Int(index)),
            "N" => new(TargetKind.Neuron, layer, Int(index)),
            _ => new(TargetKind.Mlp, layer),
        };
        return true;
    }

    public static ComponentTarget Parse(string text) =>
        TryParse(text, out var target) ? target : throw new FormatException($"Target '{text}' is not a component (expected {Syntax}).");

    public override string ToString() => Kind switch
    {
        TargetKind.Head => $"L{Layer}H{Index}",
        TargetKind.LayerHeads => $"L{Layer}H*",
        TargetKind.Mlp => $"L{Layer}MLP",
        TargetKind.Neuron => $"L{Layer}N{Index}",
        TargetKind.Feature => $"F{Index}",
        TargetKind.Unit => $"{LayerName}:{Index}",
        _ => "S=" + Sparsity.ToString("R", CultureInfo.InvariantCulture),
    };

    private static int Int(string digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);

    // A unit's layer is a PyTorch module name (conv2, features.3): identifier segments joined by dots.
    [GeneratedRegex(@"^(?:F(?<feature>\d{1,9})|(?<unitlayer>[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z0-9_]{1,63}){0,7}):(?<unit>\d{1,6})|L(?<layer>\d{1,3})(?:(?<kind>H)(?<index>\d{1,4}|\*)|(?<kind>N)(?<index>\d{1,6})|(?<kind>MLP)))$")]
    private static partial Regex Shorthand();
}
