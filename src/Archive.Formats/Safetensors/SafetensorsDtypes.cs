namespace Archive.Formats.Safetensors;

/// <summary>The safetensors dtype names and their element sizes.</summary>
public static class SafetensorsDtypes
{
    // Every dtype of the safetensors spec with a whole-byte element size. A header using one of them is valid even
    // when the engine has no matching tensor type (U16/U32/U64, F8): only loading such a tensor is refused.
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    public static bool TryGetSize(string dtype, out int size) => Sizes.TryGetValue(dtype, out size);
}
