using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Formats.Models;

/// <summary>
/// The model's architecture, with TransformerLens <c>HookedTransformerConfig</c> key names, so the JSON that travels
/// in a safetensors file's <c>__metadata__["config"]</c> is readable by TransformerLens and by us alike.
/// </summary>
public sealed record HookedTransformerConfig
{
    [JsonPropertyName("n_layers")] public required int n_layers { get; init; }
    [JsonPropertyName("d_model")] public required int d_model { get; init; }
    [JsonPropertyName("n_heads")] public required int n_heads { get; init; }
    [JsonPropertyName("d_head")] public required int d_head { get; init; }
    [JsonPropertyName("d_mlp")] public int? d_mlp { get; init; }
    [JsonPropertyName("d_vocab")] public required int d_vocab { get; init; }
    [JsonPropertyName("n_ctx")] public required int n_ctx { get; init; }
    /// <summary><c>relu</c>, <c>gelu</c> or <c>gelu_new</c>; ignored when <see cref="attn_only"/>.</summary>
    [JsonPropertyName("act_fn")] public string? act_fn { get; init; }
    /// <summary><c>"LN"</c> or null (no normalization at all).</summary>
    [JsonPropertyName("normalization_type")] public string? normalization_type { get; init; }
    [JsonPropertyName("attn_only")] public bool attn_only { get; init; }
    [JsonPropertyName("positional_embedding_type")] public string positional_embedding_type { get; init; } = "standard";
    /// <summary>Optional, informational (TransformerLens carries it too).</summary>
    [JsonPropertyName("model_name")] public string? model_name { get; init; }
    [JsonPropertyName("seed")] public int? seed { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static HookedTransformerConfig FromJson(string json) =>
        JsonSerializer.Deserialize<HookedTransformerConfig>(json, JsonOptions)
        ?? throw new InvalidDataException("The model config is JSON null.");

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first key that makes no sense.</summary>
    public void Validate()
    {
        static void Positive(string key, int value)
        {
            if (value <= 0) throw new InvalidDataException($"Config key '{key}' must be positive (got {value}).");
        }
        Positive(nameof(n_layers), n_layers);
        Positive(nameof(d_model), d_model);
        Positive(nameof(n_heads), n_heads);
        Positive(nameof(d_head), d_head);
        Positive(nameof(d_vocab), d_vocab);
        Positive(nameof(n_ctx), n_ctx);
        if (!attn_only)
        {
            Positive(nameof(d_mlp), d_mlp ?? 0);
            if (act_fn is not ("relu" or "gelu" or "gelu_new"))
                throw new InvalidDataException($"Config key 'act_fn' must be relu, gelu or gelu_new (got '{act_fn}').");
        }
        if (normalization_type is not (null or "LN"))
            throw new InvalidDataException($"Config key 'normalization_type' must be \"LN\" or null (got '{normalization_type}').");
        if (positional_embedding_type != "standard")
            throw new InvalidDataException($"Config key 'positional_embedding_type' must be \"standard\" (got '{positional_embedding_type}').");
    }
}
