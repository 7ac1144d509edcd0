using System.Text.Json;
using Archive.Engine.Models;
using Archive.Engine.Superposition;
using Archive.Engine.Vision;

namespace Archive.Specimens.Import;

/// <summary>What the model table records about a model file, read and validated without loading its tensors.</summary>
public sealed record ModelCard(string ConfigJson, int NLayers, int DModel, int NHeads, int DVocab, int NCtx, bool AttnOnly, long ParameterCount)
{
    public static ModelCard Inspect(string path, string architecture)
    {
        if (ModelArchitectures.IsConvNet(architecture))
        {
            // n_layers: the named (parameter-holding) layers; d_vocab: the classes. A CNN has no heads, width or context.
            var cnn = ConvNetFile.Inspect(path);
            return new ModelCard(cnn.ToJson(), cnn.NamedLayers().Count, 0, 0, cnn.Classes, 0, false, cnn.ParameterCount);
        }
        if (ModelArchitectures.IsToyModel(architecture))
        {
            var toy = ToyModelFile.Inspect(path);
            return new ModelCard(JsonSerializer.Serialize(toy), 0, toy.d_hidden, 0, toy.n_features, 0, false,
                (long)toy.sparsities.Length * (toy.d_hidden * toy.n_features + toy.n_features));
        }
        var config = ModelFile.Inspect(path);
        return new ModelCard(config.ToJson(), config.n_layers, config.d_model, config.n_heads, config.d_vocab, config.n_ctx, config.attn_only,
            TransformerLensParameters.Expected(config).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b)));
    }
}
