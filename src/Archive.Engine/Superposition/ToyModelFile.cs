using System.Text.Json;
using Archive.Engine.Safetensors;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Superposition;

/// <summary>
/// One safetensors file for a family of toy models: for the k-th sparsity, <c>sparsity_{k}.W</c> [m, n] and
/// <c>sparsity_{k}.b</c> [n] (F32), with the family's config as JSON in <c>__metadata__["config"]</c>. Loading validates
/// the container first (<see cref="SafetensorsFile"/>), then the names and shapes against the config
/// (<see cref="ToyModelFileHeader"/>).
/// </summary>
public static class ToyModelFile
{
    public static void Save(string path, ToyModelFamilyConfig config, IReadOnlyList<ToyModel> models)
    {
        if (models.Count != config.sparsities.Length) throw new ArgumentException("One model per sparsity.", nameof(models));
        var tensors = new Dictionary<string, Tensor>();
        for (int k = 0; k < models.Count; k++)
        {
            tensors[ToyModelFileHeader.WeightName(k)] = models[k].W.detach().cpu().to(ScalarType.Float32);
            tensors[ToyModelFileHeader.BiasName(k)] = models[k].b.detach().cpu().to(ScalarType.Float32);
        }
        SafetensorsFile.Save(path, tensors, new Dictionary<string, string> { ["config"] = JsonSerializer.Serialize(config) });
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>The config, after checking every tensor's name and shape from the header alone.</summary>
    public static ToyModelFamilyConfig Inspect(string path) => ToyModelFileHeader.Validate(SafetensorsFile.ReadHeader(path));

    /// <summary>W [m][n] of the k-th model.</summary>
    public static float[][] LoadWeights(string path, int k)
    {
        var config = Inspect(path);
        if (k < 0 || k >= config.sparsities.Length) throw new InvalidDataException($"There is no sparsity index {k} (the file has {config.sparsities.Length}).");
        using var w = SafetensorsFile.LoadTensor(path, ToyModelFileHeader.WeightName(k));
        var flat = w.data<float>().ToArray();
        return Enumerable.Range(0, config.d_hidden).Select(r => flat.AsSpan(r * config.n_features, config.n_features).ToArray()).ToArray();
    }
}
