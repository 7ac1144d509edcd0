using Archive.Engine.Safetensors;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Vision;

/// <summary>
/// A CNN as the archive stores it (evidence-methods section 9): a safetensors file of PyTorch <c>state_dict()</c> tensors
/// with the <see cref="ConvNetConfig"/> JSON in <c>__metadata__["config"]</c>. Loading validates the container, then the
/// config, then every tensor's name, shape and dtype against the config, all from the header
/// (<see cref="ConvNetFileHeader"/>), before any tensor is allocated.
/// </summary>
public static class ConvNetFile
{
    public static void Save(string path, ConvNet net, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            if (key == TransformerFileHeader.ConfigKey) throw new ArgumentException("extraMetadata must not hold 'config'.", nameof(extraMetadata));
            metadata[key] = value;
        }
        metadata[TransformerFileHeader.ConfigKey] = net.Config.ToJson();
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
    public static ConvNetConfig Inspect(string path) => ConvNetFileHeader.Validate(SafetensorsFile.ReadHeader(path));

    public static ConvNet Load(string path, Device? device = null)
    {
        using var stream = SafetensorsFile.OpenRead(path);
        var header = SafetensorsFile.ReadHeader(stream);
        var config = ConvNetFileHeader.Validate(header);
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
}
