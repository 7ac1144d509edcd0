using TorchSharp;

namespace Archive.Engine.Safetensors;

/// <summary>The safetensors dtype names, their element sizes, and the TorchSharp types we can load them as.</summary>
public static class SafetensorsDtypes
{
    // Every dtype of the safetensors spec with a whole-byte element size. A header using one of them is valid even
    // when TorchSharp has no matching type (U16/U32/U64, F8): only loading such a tensor is refused.
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    private static readonly Dictionary<string, torch.ScalarType> Loadable = new(StringComparer.Ordinal)
    {
        ["BOOL"] = torch.ScalarType.Bool, ["U8"] = torch.ScalarType.Byte, ["I8"] = torch.ScalarType.Int8,
        ["I16"] = torch.ScalarType.Int16, ["I32"] = torch.ScalarType.Int32, ["I64"] = torch.ScalarType.Int64,
        ["F16"] = torch.ScalarType.Float16, ["BF16"] = torch.ScalarType.BFloat16,
        ["F32"] = torch.ScalarType.Float32, ["F64"] = torch.ScalarType.Float64,
    };

    public static bool TryGetSize(string dtype, out int size) => Sizes.TryGetValue(dtype, out size);

    public static bool TryGetScalarType(string dtype, out torch.ScalarType type) => Loadable.TryGetValue(dtype, out type);

    /// <summary>The safetensors name for a TorchSharp type; throws for types safetensors cannot hold here.</summary>
    public static string FromScalarType(torch.ScalarType type)
    {
        foreach (var (name, scalar) in Loadable)
            if (scalar == type) return name;
        throw new ArgumentException($"TorchSharp dtype {type} has no safetensors dtype supported here.", nameof(type));
    }
}
