using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Archive.Engine.Safetensors;
using static TorchSharp.torch;

namespace Archive.Engine.Superposition;

/// <summary>The configuration of a family of toy models trained at several sparsities (evidence-methods section 6).</summary>
public sealed record ToyModelFamilyConfig
{
    [JsonPropertyName("model_type")] public string model_type { get; init; } = ToyModelFile.ModelType;
    [JsonPropertyName("n_features")] public required int n_features { get; init; }
    [JsonPropertyName("d_hidden")] public required int d_hidden { get; init; }
    [JsonPropertyName("importance_base")] public required double importance_base { get; init; }
    [JsonPropertyName("sparsities")] public required double[] sparsities { get; init; }
    [JsonPropertyName("steps")] public int steps { get; init; }
    [JsonPropertyName("batch_size")] public int batch_size { get; init; }
    [JsonPropertyName("learning_rate")] public double learning_rate { get; init; }
    [JsonPropertyName("seed")] public long seed { get; init; }
}

/// <summary>
/// One safetensors file for a family of toy models: for the k-th sparsity, <c>sparsity_{k}.W</c> [m, n] and
/// <c>sparsity_{k}.b</c> [n] (F32), with the family's config as JSON in <c>__metadata__["config"]</c>. Loading validates
/// the container first (<see cref="SafetensorsFile"/>), then the names and shapes against the config.
/// </summary>
public static class ToyModelFile
{
    public const string ModelType = "toy_superposition";

    /// <summary>The model row's architecture for these files: the one model family in the archive that is not a transformer.</summary>
    public const string Architecture = "toy-superposition";

    public static string WeightName(int k) => $"sparsity_{k.ToString(CultureInfo.InvariantCulture)}.W";

    public static string BiasName(int k) => $"sparsity_{k.ToString(CultureInfo.InvariantCulture)}.b";

    public static void Save(string path, ToyModelFamilyConfig config, IReadOnlyList<ToyModel> models)
    {
        if (models.Count != config.sparsities.Length) throw new ArgumentException("One model per sparsity.", nameof(models));
        var tensors = new Dictionary<string, Tensor>();
        for (int k = 0; k < models.Count; k++)
        {
            tensors[WeightName(k)] = models[k].W.detach().cpu().to(ScalarType.Float32);
            tensors[BiasName(k)] = models[k].b.detach().cpu().to(ScalarType.Float32);
        }
        SafetensorsFile.Save(path, tensors, new Dictionary<string, string> { ["config"] = JsonSerializer.Serialize(config) });
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>The config, after checking every tensor's name and shape from the header alone.</summary>
    public static ToyModelFamilyConfig Inspect(string path)
    {
        var header = SafetensorsFile.ReadHeader(path);
        if (!header.Metadata.TryGetValue("config", out var json))
            throw new InvalidDataException("The toy model file has no __metadata__[\"config\"].");
        ToyModelFamilyConfig config;
        try
        {
            config = JsonSerializer.Deserialize<ToyModelFamilyConfig>(json) ?? throw new InvalidDataException("The toy model config is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The toy model config is not valid JSON: {ex.Message}");
        }
        if (config.model_type != ModelType) throw new InvalidDataException($"Config model_type is '{config.model_type}', not '{ModelType}'.");
        if (config.n_features <= 0 || config.d_hidden <= 0 || config.sparsities.Length == 0)
            throw new InvalidDataException("Config needs positive n_features and d_hidden and at least one sparsity.");
        var expected = new Dictionary<string, long[]>();
        for (int k = 0; k < config.sparsities.Length; k++)
        {
            expected[WeightName(k)] = [config.d_hidden, config.n_features];
            expected[BiasName(k)] = [config.n_features];
        }
        foreach (var info in header.Tensors)
        {
            if (!expected.Remove(info.Name, out var shape)) throw new InvalidDataException($"Tensor '{info.Name}' is not part of a toy model family.");
            if (info.Dtype != "F32" || !info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"Tensor '{info.Name}' should be F32 [{string.Join(", ", shape)}], not {info.Dtype} [{string.Join(", ", info.Shape)}].");
        }
        if (expected.Count > 0) throw new InvalidDataException($"Tensor '{expected.Keys.First()}' is missing.");
        return config;
    }

    /// <summary>W [m][n] of the k-th model.</summary>
    public static float[][] LoadWeights(string path, int k)
    {
        var config = Inspect(path);
        if (k < 0 || k >= config.sparsities.Length) throw new InvalidDataException($"There is no sparsity index {k} (the file has {config.sparsities.Length}).");
        using var w = SafetensorsFile.LoadTensor(path, WeightName(k));
        var flat = w.data<float>().ToArray();
        return Enumerable.Range(0, config.d_hidden).Select(r => flat.AsSpan(r * config.n_features, config.n_features).ToArray()).ToArray();
    }
}
