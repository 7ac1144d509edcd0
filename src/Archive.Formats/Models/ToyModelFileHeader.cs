using System.Globalization;
using System.Text.Json;
using Archive.Formats.Safetensors;

namespace Archive.Formats.Models;

/// <summary>
/// The header of one safetensors file for a family of toy models: for the k-th sparsity, <c>sparsity_{k}.W</c> [m, n]
/// and <c>sparsity_{k}.b</c> [n] (F32), with the family's config as JSON in <c>__metadata__["config"]</c>. Checks the
/// names and shapes against the config from the header alone.
/// </summary>
public static class ToyModelFileHeader
{
    public const string ModelType = "toy_superposition";

    /// <summary>The model row's architecture for these files: the one model family in the archive that is not a transformer.</summary>
    public const string Architecture = "toy-superposition";

    public static string WeightName(int k) => $"sparsity_{k.ToString(CultureInfo.InvariantCulture)}.W";

    public static string BiasName(int k) => $"sparsity_{k.ToString(CultureInfo.InvariantCulture)}.b";

    /// <summary>The config, after checking every tensor's name and shape from the header alone.</summary>
    public static ToyModelFamilyConfig Validate(SafetensorsHeader header)
    {
        if (!header.Metadata.TryGetValue("config", out var json))
            throw new InvalidDataException("The toy model file has no __metadata__[\"config\"].");
        ToyModelFamilyConfig config;
        try
        {
            config = JsonSerializer.Deserialize<ToyModelFamilyConfig>(json) ?? throw new InvalidDataException("The toy model config is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The toy model config is not valid JSON: {ex.Message}");
        }
        if (config.model_type != ModelType) throw new InvalidDataException($"Config model_type is '{config.model_type}', not '{ModelType}'.");
        if (config.n_features <= 0 || config.d_hidden <= 0 || config.sparsities.Length == 0)
            throw new InvalidDataException("Config needs positive n_features and d_hidden and at least one sparsity.");
        var expected = new Dictionary<string, long[]>();
        for (int k = 0; k < config.sparsities.Length; k++)
        {
            expected[WeightName(k)] = [config.d_hidden, config.n_features];
            expected[BiasName(k)] = [config.n_features];
        }
        foreach (var info in header.Tensors)
        {
            if (!expected.Remove(info.Name, out var shape)) throw new InvalidDataException($"Tensor '{info.Name}' is not part of a toy model family.");
            if (info.Dtype != "F32" || !info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"Tensor '{info.Name}' should be F32 [{string.Join(", ", shape)}], not {info.Dtype} [{string.Join(", ", info.Shape)}].");
        }
        if (expected.Count > 0) throw new InvalidDataException($"Tensor '{expected.Keys.First()}' is missing.");
        return config;
    }
}
