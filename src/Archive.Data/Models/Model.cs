namespace Archive.Data.Models;

/// <summary>A network: its architecture, its TransformerLens config and its weights file (a blob named by <see cref="Sha256"/>).</summary>
public sealed class Model
{
    public int Id { get; set; }
    /// <summary>Stable natural key, used in URLs: <c>/models/{slug}</c>.</summary>
    public required string Slug { get; set; }
    public required string Name { get; set; }
    /// <summary>Short family name: <c>attn-only</c>, <c>gpt2</c>, <c>toy-superposition</c>, <c>cnn</c>.</summary>
    public required string Architecture { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The TransformerLens <c>HookedTransformerConfig</c> JSON, verbatim from the file's metadata.</summary>
    public required string ConfigJson { get; set; }
    public int NLayers { get; set; }
    public int DModel { get; set; }
    public int NHeads { get; set; }
    public int DVocab { get; set; }
    public int NCtx { get; set; }
    public bool AttnOnly { get; set; }
    public long ParameterCount { get; set; }
    public required string WeightsFileName { get; set; }
    /// <summary>Lower-case hex sha256 of the weights file: its name in the blob store; evidence provenance points at it.</summary>
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    /// <summary>How the model was made (training script, seed, steps), Markdown.</summary>
    public string TrainingNotes { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>sha256 of the unit atlas the model's <see cref="ModelUnit"/>s were read from (CNNs); null when it has none.</summary>
    public string? UnitAtlasSha256 { get; set; }
}
