namespace Archive.Formats.Models;

/// <summary>
/// The dtypes a model's parameters may have, one rule for the transformer and CNN files the archive reads and for the
/// state dicts the engine writes: the float types the engine computes in (F8 is valid safetensors but it cannot hold it).
/// </summary>
public static class ModelDtypes
{
    public static bool IsFloat(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";

    /// <summary>Throws <see cref="ModelFormatException"/> (<c>dtype-not-float</c>) unless <paramref name="dtype"/> is a float type.</summary>
    public static void CheckFloat(string tensorName, string dtype)
    {
        if (!IsFloat(dtype)) throw new ModelFormatException("dtype-not-float", tensorName, $"dtype {dtype} is not a float type.");
    }
}
