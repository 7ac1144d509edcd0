using System.Text.Json;
using Archive.Formats.Safetensors;

namespace Archive.Formats.Models;

/// <summary>
/// The header of a transformer model file as the archive stores it (evidence-methods.md section 1): a safetensors file
/// whose tensors are TransformerLens parameters and whose <c>__metadata__["config"]</c> is the
/// <see cref="HookedTransformerConfig"/> JSON. Checks the config, names, shapes and dtypes from the header alone, so the
/// engine loads tensors only from a file that passed.
/// </summary>
public static class TransformerFileHeader
{
    public const string ConfigKey = "config";

    /// <summary>Checks a model file's validated safetensors header without reading any tensor data; returns its config.</summary>
    public static HookedTransformerConfig Validate(SafetensorsHeader header)
    {
        if (!header.Metadata.TryGetValue(ConfigKey, out var json))
            throw new ModelFormatException("config-missing", null, "__metadata__ has no 'config' entry.");

        HookedTransformerConfig config;
        try
        {
            config = HookedTransformerConfig.FromJson(json);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new ModelFormatException("config-invalid", null, $"__metadata__['config'] is not a model config: {e.Message}", e);
        }
        ValidateConfig(config);

        TransformerLensParameters.Check(config, header.Tensors.Select(t => (t.Name, t.Shape)));
        foreach (var t in header.Tensors) ModelDtypes.CheckFloat(t.Name, t.Dtype);
        return config;
    }

    /// <summary><see cref="HookedTransformerConfig.Validate"/>, its fault as a <see cref="ModelFormatException"/> (<c>config-invalid</c>).</summary>
    public static void ValidateConfig(HookedTransformerConfig config)
    {
        try
        {
            config.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException("config-invalid", null, e.Message, e);
        }
    }
}
