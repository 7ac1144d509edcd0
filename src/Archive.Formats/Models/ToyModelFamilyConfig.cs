using System.Text.Json.Serialization;

namespace Archive.Formats.Models;

/// <summary>The configuration of a family of toy models trained at several sparsities (evidence-methods section 6).</summary>
public sealed record ToyModelFamilyConfig
{
    [JsonPropertyName("model_type")] public string model_type { get; init; } = ToyModelFileHeader.ModelType;
    [JsonPropertyName("n_features")] public required int n_features { get; init; }
    [JsonPropertyName("d_hidden")] public required int d_hidden { get; init; }
    [JsonPropertyName("importance_base")] public required double importance_base { get; init; }
    [JsonPropertyName("sparsities")] public required double[] sparsities { get; init; }
    [JsonPropertyName("steps")] public int steps { get; init; }
    [JsonPropertyName("batch_size")] public int batch_size { get; init; }
    [JsonPropertyName("learning_rate")] public double learning_rate { get; init; }
    [JsonPropertyName("seed")] public long seed { get; init; }
}
