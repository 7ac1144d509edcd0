using System.Text.Json;
using System.Text.Json.Serialization;
using Archive.Data.Circuits;

namespace Archive.Data.Bundles;

/// <summary>
/// A specimen bundle's <c>specimen.json</c>: everything but the writeup (<c>writeup.md</c>), the model file, any
/// SAELens dictionary folders and the files its claims name (<c>images/{sha256}</c>, <c>tokens/{sha256}</c>), which sit beside it. <c>archive-specimens build</c> writes bundles;
/// <c>archive-specimens import</c> reads them, and a researcher submits one to <c>POST /api/v1/submissions</c>. JSON names are snake_case.
/// </summary>
public sealed record BundleManifest
{
    public required string Slug { get; init; }
    public required string Title { get; init; }
    public required string Summary { get; init; }
    public required string Behaviour { get; init; }
    public List<string> Tags { get; init; } = [];
    public List<string> Techniques { get; init; } = [];
    public List<string> Authors { get; init; } = [];
    public bool Featured { get; init; }
    public required string RevisionMessage { get; init; }
    public string Writeup { get; init; } = "writeup.md";
    public required BundleModel Model { get; init; }
    public List<CircuitDocument> Circuits { get; init; } = [];
    public List<BundleClaim> Claims { get; init; } = [];
    public List<BundleDictionary> Dictionaries { get; init; } = [];

    /// <summary>The folder, relative to the bundle, of the image and label files claims name: one file per blob, named by its sha256.</summary>
    public const string ImagesFolder = Archive.Formats.Claims.ClaimInputFiles.ImagesFolder;

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Bundles are read by people too: keep ≥, ‖ and quotes as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

public sealed record BundleModel
{
    public required string Slug { get; init; }
    public required string Name { get; init; }
    /// <summary><c>attn-only</c>, <c>gpt2</c>, <c>toy-superposition</c>, <c>cnn</c>.</summary>
    public required string Architecture { get; init; }
    public string Description { get; init; } = "";
    public string File { get; init; } = "model.safetensors";
    public string TrainingNotes { get; init; } = "";
    /// <summary>A CNN's unit atlas (<see cref="Archive.Formats.Models.UnitAtlas"/>), relative to the bundle; none when null.</summary>
    public string? Units { get; init; }
}

public sealed record BundleClaim
{
    public required string Key { get; init; }
    public required string Statement { get; init; }
    public required string Method { get; init; }
    public List<string> Targets { get; init; } = [];
    public JsonElement? Parameters { get; init; }
    public required Archive.Data.Claims.ClaimComparison Comparison { get; init; }
    public required double Expected { get; init; }
    public double? ExpectedUpper { get; init; }
    public double Tolerance { get; init; }
}

/// <summary>A SAELens folder (cfg.json, sae_weights.safetensors) plus the dashboards computed for it.</summary>
public sealed record BundleDictionary
{
    public required string Slug { get; init; }
    public required string Title { get; init; }
    public string Description { get; init; } = "";
    /// <summary>Folder, relative to the bundle, in SAELens format.</summary>
    public required string Folder { get; init; }
    /// <summary>
    /// Per-feature dashboards (density, histogram, top contexts, logit effects), relative to the bundle: the specimen
    /// builder writes them, and the operator's import takes them. A submitted bundle names <see cref="TokenSet"/> instead
    /// and the archive's worker computes them.
    /// </summary>
    public string? Features { get; init; }
    public string TokenSetDescription { get; init; } = "";
    /// <summary>In a submission: the token ids (<c>tokens/{sha256}</c> in the bundle, or a token set the archive holds) the worker computes the dashboards over.</summary>
    public Dictionaries.DictionaryTokenSet? TokenSet { get; init; }
}
