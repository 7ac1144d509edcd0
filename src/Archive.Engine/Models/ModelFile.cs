using System.Security.Cryptography;
using System.Text.Json;
using Archive.Engine.Safetensors;
using Archive.Engine.Transformer;
using Archive.Formats.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Engine.Models;

/// <summary>
/// A model as the archive stores it: a safetensors file whose tensors are TransformerLens parameters and whose
/// <c>__metadata__["config"]</c> is the <see cref="HookedTransformerConfig"/> JSON (evidence-methods.md section 1).
/// Disposing it disposes the tensors.
/// </summary>
public sealed record ModelFile(
    HookedTransformerConfig Config,
    Dictionary<string, Tensor> StateDict,
    IReadOnlyDictionary<string, string> Metadata,
    string Sha256,
    long SizeBytes) : IDisposable
{
    public const string ConfigKey = "config";

    /// <summary>
    /// Validates the file (container, config, names, shapes, dtypes) from its header alone, then loads the tensors
    /// and hashes the bytes from the same open handle.
    /// </summary>
    public static ModelFile Load(string path, Device? device = null)
    {
        using var stream = SafetensorsFile.OpenRead(path);
        var (header, config) = Validate(stream);
        var stateDict = SafetensorsFile.LoadTensors(stream, header, header.Tensors, device);
        stream.Seek(0, SeekOrigin.Begin);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new ModelFile(config, stateDict, header.Metadata, sha, stream.Length);
    }

    /// <summary>Checks a model file without reading any tensor data; returns its config.</summary>
    public static HookedTransformerConfig Inspect(string path)
    {
        using var stream = SafetensorsFile.OpenRead(path);
        return Validate(stream).Config;
    }

    /// <summary>
    /// Writes the state dict with the config in <c>__metadata__["config"]</c> (and <c>format: pt</c>, which Hugging
    /// Face loaders expect), refusing a state dict that <see cref="Load"/> would reject.
    /// </summary>
    public static void Save(string path, HookedTransformerConfig config, IReadOnlyDictionary<string, Tensor> stateDict,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ValidateConfig(config);
        TransformerLensParameters.Check(config, stateDict.Select(kv => (kv.Key, kv.Value.shape)));
        foreach (var (name, tensor) in stateDict) CheckFloat(name, tensor.dtype);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            if (key == ConfigKey) throw new ArgumentException("extraMetadata must not hold 'config'; pass the config instead.", nameof(extraMetadata));
            metadata[key] = value;
        }
        metadata[ConfigKey] = config.ToJson();
        SafetensorsFile.Save(path, stateDict, metadata);
    }

    public void Dispose()
    {
        foreach (var tensor in StateDict.Values) tensor.Dispose();
    }

    private static (SafetensorsHeader Header, HookedTransformerConfig Config) Validate(Stream stream)
    {
        var header = SafetensorsFile.ReadHeader(stream);
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
        foreach (var t in header.Tensors)
        {
            if (!SafetensorsTorchTypes.TryGetScalarType(t.Dtype, out var type)) throw new ModelFormatException("dtype-not-float", t.Name, $"dtype {t.Dtype} is not a float type.");
            CheckFloat(t.Name, type);
        }
        return (header, config);
    }

    private static void ValidateConfig(HookedTransformerConfig config)
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

    private static void CheckFloat(string name, ScalarType type)
    {
        if (type is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64))
            throw new ModelFormatException("dtype-not-float", name, $"dtype {type} is not a float type.");
    }
}
