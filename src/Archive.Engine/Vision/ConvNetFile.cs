using Archive.Engine.Models;
using Archive.Engine.Safetensors;
using Archive.Formats.Safetensors;
using static TorchSharp.torch;

namespace Archive.Engine.Vision;

/// <summary>
/// A CNN as the archive stores it (evidence-methods section 9): a safetensors file of PyTorch <c>state_dict()</c> tensors
/// with the <see cref="ConvNetConfig"/> JSON in <c>__metadata__["config"]</c>. Loading validates the container, then the
/// config, then every tensor's name, shape and dtype against the config, all from the header, before any tensor is
/// allocated.
/// </summary>
public static class ConvNetFile
{
    /// <summary>The model row's architecture for these files.</summary>
    public const string Architecture = "cnn";

    public static void Save(string path, ConvNet net, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            if (key == ModelFile.ConfigKey) throw new ArgumentException("extraMetadata must not hold 'config'.", nameof(extraMetadata));
            metadata[key] = value;
        }
        metadata[ModelFile.ConfigKey] = net.Config.ToJson();
        var tensors = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu(), StringComparer.Ordinal);
        try
        {
            SafetensorsFile.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The config of a valid CNN file, read and checked without touching tensor data.</summary>
    public static ConvNetConfig Inspect(string path)
    {
        using var stream = SafetensorsFile.OpenRead(path);
        return Validate(SafetensorsFile.ReadHeader(stream));
    }

    public static ConvNet Load(string path, Device? device = null)
    {
        using var stream = SafetensorsFile.OpenRead(path);
        var header = SafetensorsFile.ReadHeader(stream);
        var config = Validate(header);
        var tensors = SafetensorsFile.LoadTensors(stream, header, header.Tensors, CPU);
        try
        {
            return ConvNet.FromStateDict(config, tensors, device);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static ConvNetConfig Validate(SafetensorsHeader header)
    {
        if (!header.Metadata.TryGetValue(ModelFile.ConfigKey, out var json))
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
            if (t.Dtype is not ("F32" or "F16" or "BF16" or "F64")) throw new ModelFormatException("dtype-not-float", t.Name, $"dtype {t.Dtype} is not a float type.");
        }
        if (expected.Count > 0) throw new ModelFormatException("tensor-missing", expected.Keys.First(), "is missing.");
        return config;
    }
}
