using Archive.Formats.Safetensors;

namespace Archive.Formats.Models;

/// <summary>
/// The header of a CNN file as the archive stores it (evidence-methods section 9): a safetensors file of PyTorch
/// <c>state_dict()</c> tensors with the <see cref="ConvNetConfig"/> JSON in <c>__metadata__["config"]</c>. Checks the
/// config, then every tensor's name, shape and dtype against it, all from the header, before any tensor is allocated.
/// </summary>
public static class ConvNetFileHeader
{
    /// <summary>The model row's architecture for these files.</summary>
    public const string Architecture = "cnn";

    /// <summary>The config of a valid CNN file, read and checked without touching tensor data.</summary>
    public static ConvNetConfig Validate(SafetensorsHeader header)
    {
        if (!header.Metadata.TryGetValue(TransformerFileHeader.ConfigKey, out var json))
            throw new ModelFormatException("config-missing", null, "__metadata__ has no 'config' entry.");
        ConvNetConfig config;
        try
        {
            config = ConvNetConfig.FromJson(json);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException("config-invalid", null, e.Message, e);
        }
        var expected = config.ExpectedParameters().ToDictionary(p => p.Name, p => p.Shape, StringComparer.Ordinal);
        foreach (var t in header.Tensors)
        {
            if (!expected.Remove(t.Name, out var shape)) throw new ModelFormatException("tensor-unexpected", t.Name, "is not a parameter of the network the config describes.");
            if (!t.Shape.SequenceEqual(shape))
                throw new ModelFormatException("shape-mismatch", t.Name, $"has shape [{string.Join(", ", t.Shape)}]; the config needs [{string.Join(", ", shape)}].");
            ModelDtypes.CheckFloat(t.Name, t.Dtype);
        }
        if (expected.Count > 0) throw new ModelFormatException("tensor-missing", expected.Keys.First(), "is missing.");
        return config;
    }
}
