using System.Security.Cryptography;
using Archive.Engine.Safetensors;
using Archive.Formats.Models;
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
    /// <summary>
    /// Validates the file (container, config, names, shapes, dtypes) from its header alone, then loads the tensors
    /// and hashes the bytes from the same open handle.
    /// </summary>
    public static ModelFile Load(string path, Device? device = null)
    {
        using var stream = SafetensorsFile.OpenRead(path);
        var header = SafetensorsFile.ReadHeader(stream);
        var config = TransformerFileHeader.Validate(header);
        var stateDict = SafetensorsFile.LoadTensors(stream, header, header.Tensors, device);
        stream.Seek(0, SeekOrigin.Begin);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new ModelFile(config, stateDict, header.Metadata, sha, stream.Length);
    }

    /// <summary>Checks a model file without reading any tensor data; returns its config.</summary>
    public static HookedTransformerConfig Inspect(string path) => TransformerFileHeader.Validate(SafetensorsFile.ReadHeader(path));

    /// <summary>
    /// Writes the state dict with the config in <c>__metadata__["config"]</c> (and <c>format: pt</c>, which Hugging
    /// Face loaders expect), refusing a state dict that <see cref="Load"/> would reject.
    /// </summary>
    public static void Save(string path, HookedTransformerConfig config, IReadOnlyDictionary<string, Tensor> stateDict,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        TransformerFileHeader.ValidateConfig(config);
        TransformerLensParameters.Check(config, stateDict.Select(kv => (kv.Key, kv.Value.shape)));
        foreach (var (name, tensor) in stateDict) CheckFloat(name, tensor.dtype);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            if (key == TransformerFileHeader.ConfigKey) throw new ArgumentException("extraMetadata must not hold 'config'; pass the config instead.", nameof(extraMetadata));
            metadata[key] = value;
        }
        metadata[TransformerFileHeader.ConfigKey] = config.ToJson();
        SafetensorsFile.Save(path, stateDict, metadata);
    }

    public void Dispose()
    {
        foreach (var tensor in StateDict.Values) tensor.Dispose();
    }

    /// <summary>The file's float rule (<see cref="ModelDtypes"/>), applied to the dtype a tensor would be written as.</summary>
    private static void CheckFloat(string name, ScalarType type)
    {
        if (!SafetensorsTorchTypes.TryGetDtype(type, out var dtype) || !ModelDtypes.IsFloat(dtype))
            throw new ModelFormatException("dtype-not-float", name, $"dtype {type} is not a float type.");
    }
}
