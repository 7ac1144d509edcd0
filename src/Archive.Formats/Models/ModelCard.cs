using System.Text.Json;
using Archive.Formats.Safetensors;

namespace Archive.Formats.Models;

/// <summary>What the model table records about a model file, read and validated without loading its tensors.</summary>
public sealed record ModelCard(string ConfigJson, int NLayers, int DModel, int NHeads, int DVocab, int NCtx, bool AttnOnly, long ParameterCount)
{
    public static ModelCard Inspect(string path, string architecture)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
        return Inspect(stream, architecture);
    }

    /// <summary>
    /// The card of a model file held whole in a readable, seekable stream (the file starting at position 0): reads the
    /// header only. The header must be valid safetensors whose tensors' data offsets fit the stream's real length and
    /// fill it exactly (so a truncated file, or one whose header claims more bytes than it has, is refused with a
    /// <see cref="SafetensorsFormatException"/>), and a valid model of the <paramref name="architecture"/>'s kind
    /// (<see cref="ModelArchitectures"/>): a <see cref="ModelFormatException"/>, or an <see cref="InvalidDataException"/>
    /// for a toy model family, names the first fault.
    /// </summary>
    public static ModelCard Inspect(Stream stream, string architecture)
    {
        var header = SafetensorsHeaderParser.Read(stream);
        if (ModelArchitectures.IsConvNet(architecture))
        {
            // n_layers: the named (parameter-holding) layers; d_vocab: the classes. A CNN has no heads, width or context.
            var cnn = ConvNetFileHeader.Validate(header);
            return new ModelCard(cnn.ToJson(), cnn.NamedLayers().Count, 0, 0, cnn.Classes, 0, false, cnn.ParameterCount);
        }
        if (ModelArchitectures.IsToyModel(architecture))
        {
            var toy = ToyModelFileHeader.Validate(header);
            return new ModelCard(JsonSerializer.Serialize(toy), 0, toy.d_hidden, 0, toy.n_features, 0, false,
                (long)toy.sparsities.Length * (toy.d_hidden * toy.n_features + toy.n_features));
        }
        var config = TransformerFileHeader.Validate(header);
        return new ModelCard(config.ToJson(), config.n_layers, config.d_model, config.n_heads, config.d_vocab, config.n_ctx, config.attn_only,
            TransformerLensParameters.Expected(config).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b)));
    }
}
