using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Formats.Dictionaries;

/// <summary>
/// A dictionary's <c>features.json</c> in a bundle: per feature, the dashboard statistics of evidence-methods section 5
/// over one recorded token set, with token strings written out so the file reads without the tokenizer.
/// <c>archive-specimens build</c> writes it; <see cref="DictionaryImporter"/> reads it. JSON names are snake_case.
/// </summary>
public sealed record FeatureDashboardFile
{
    public required string HookName { get; init; }
    public required int DSae { get; init; }
    public required DashboardTokenSet TokenSet { get; init; }
    /// <summary>log10 bin edges shared by every feature's histogram.</summary>
    public required double[] HistogramEdges { get; init; }
    public required List<FeatureDashboard> Features { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectRequiredConstructorParameters = true,
    };
}

/// <param name="Sha256">SHA-256 of the token ids as little-endian int32, sequence after sequence (TokenSetRecord.Hash).</param>
public sealed record DashboardTokenSet(int SequenceCount, int SequenceLength, string Sha256, string Generator);

public sealed record FeatureDashboard
{
    public required int Index { get; init; }
    public string Explanation { get; init; } = "";
    public required double Density { get; init; }
    public required long ActiveTokens { get; init; }
    public required double MaxActivation { get; init; }
    public required long[] HistogramCounts { get; init; }
    public long HistogramUnderflow { get; init; }
    public long HistogramOverflow { get; init; }
    public List<DashboardContext> TopContexts { get; init; } = [];
    public List<DashboardLogit> PositiveLogits { get; init; } = [];
    public List<DashboardLogit> NegativeLogits { get; init; } = [];
    public List<DashboardSimilar> SimilarFeatures { get; init; } = [];
}

/// <param name="MaxIndex">Index, within <paramref name="Tokens"/>, of the activating token.</param>
public sealed record DashboardContext(int Sequence, int Position, double MaxActivation, int MaxIndex, List<string> Tokens, List<double> Activations);

public sealed record DashboardLogit(string Token, int TokenId, double Value);

public sealed record DashboardSimilar(int Index, double Cosine);
