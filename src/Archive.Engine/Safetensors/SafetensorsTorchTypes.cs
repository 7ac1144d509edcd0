using TorchSharp;

namespace Archive.Engine.Safetensors;

/// <summary>The TorchSharp types the safetensors dtypes load as.</summary>
public static class SafetensorsTorchTypes
{
    private static readonly Dictionary<string, torch.ScalarType> Loadable = new(StringComparer.Ordinal)
    {
        ["BOOL"] = torch.ScalarType.Bool, ["U8"] = torch.ScalarType.Byte, ["I8"] = torch.ScalarType.Int8,
        ["I16"] = torch.ScalarType.Int16, ["I32"] = torch.ScalarType.Int32, ["I64"] = torch.ScalarType.Int64,
        ["F16"] = torch.ScalarType.Float16, ["BF16"] = torch.ScalarType.BFloat16,
        ["F32"] = torch.ScalarType.Float32, ["F64"] = torch.ScalarType.Float64,
    };

    public static bool TryGetScalarType(string dtype, out torch.ScalarType type) => Loadable.TryGetValue(dtype, out type);

    /// <summary>The safetensors name for a TorchSharp type; throws for types safetensors cannot hold here.</summary>
    public static string FromScalarType(torch.ScalarType type) => TryGetDtype(type, out var name)
        ? name
        : throw new ArgumentException($"TorchSharp dtype {type} has no safetensors dtype supported here.", nameof(type));

    /// <summary>The safetensors name for a TorchSharp type; false for types safetensors cannot hold here.</summary>
    public static bool TryGetDtype(torch.ScalarType type, out string dtype)
    {
        foreach (var (name, scalar) in Loadable)
        {
            if (scalar != type) continue;
            dtype = name;
            return true;
        }
        dtype = "";
        return false;
    }
}
