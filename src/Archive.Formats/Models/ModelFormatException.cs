using Archive.Formats.Safetensors;

namespace Archive.Formats.Models;

/// <summary>
/// A well-formed safetensors file that is not a valid model: a missing or unexpected parameter, a wrong shape, a bad
/// config. Like <see cref="SafetensorsFormatException"/> it is a <see cref="FormatException"/> with a short
/// <see cref="Rule"/> id (<c>tensor-missing</c>, <c>shape-mismatch</c>, <c>config-invalid</c>, ...).
/// </summary>
public sealed class ModelFormatException : FormatException
{
    public ModelFormatException(string rule, string? tensorName, string detail, Exception? inner = null)
        : base(tensorName is null
            ? $"Invalid model file (rule '{rule}'): {detail}"
            : $"Invalid model file: tensor '{SafetensorsFormatException.Printable(tensorName)}' breaks rule '{rule}': {detail}", inner)
    {
        Rule = rule;
        TensorName = tensorName;
    }

    public string? TensorName { get; }

    public string Rule { get; }
}
