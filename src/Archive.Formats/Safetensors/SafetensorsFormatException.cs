using System.Text;

namespace Archive.Formats.Safetensors;

/// <summary>
/// A safetensors file broke one of the format's rules (evidence-methods.md section 1). <see cref="Rule"/> is a short,
/// stable id (<c>dtype-size-mismatch</c>, <c>tensors-overlap</c>, ...) that callers and tests can match on.
/// (<see cref="InvalidDataException"/> is sealed, so this is a <see cref="FormatException"/>.)
/// </summary>
public sealed class SafetensorsFormatException : FormatException
{
    public SafetensorsFormatException(string rule, string? tensorName, string detail)
        : base(Describe(rule, tensorName, detail))
    {
        Rule = rule;
        TensorName = tensorName;
    }

    /// <summary>The tensor whose entry broke the rule; null for rules about the whole file.</summary>
    public string? TensorName { get; }

    public string Rule { get; }

    private static string Describe(string rule, string? tensorName, string detail) => tensorName is null
        ? $"Invalid safetensors file (rule '{rule}'): {detail}"
        : $"Invalid safetensors file: tensor '{Printable(tensorName)}' breaks rule '{rule}': {detail}";

    /// <summary>Names come from untrusted files: keep messages one short printable line.</summary>
    internal static string Printable(string text)
    {
        const int Max = 200;
        var sb = new StringBuilder(Math.Min(text.Length, Max) + 3);
        foreach (var c in text.Length > Max ? text[..Max] : text)
            sb.Append(char.IsControl(c) ? '?' : c);
        if (text.Length > Max) sb.Append("...");
        return sb.ToString();
    }
}
