using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Engine.Evidence;

/// <summary>One token of a restricted vocabulary: the model's id, GPT-2's id (−1 for <c>&lt;unk&gt;</c>) and its text.</summary>
public sealed record VocabularyToken(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("gpt2_id")] int Gpt2Id,
    [property: JsonPropertyName("token")] string Token)
{
    /// <summary>
    /// The token's bytes in hex, written only when they are not valid UTF-8 on their own (a lone byte ≥ 0x80, or a GPT-2
    /// merge that cuts a character) or are a control character: <see cref="Token"/> then shows them as <c>&lt;0xC3&gt;</c>.
    /// </summary>
    [JsonPropertyName("bytes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BytesHex { get; init; }

    /// <summary>What the token contributes to decoded text.</summary>
    public byte[] Bytes() => BytesHex is null ? Encoding.UTF8.GetBytes(Token) : Convert.FromHexString(BytesHex);
}

/// <summary>What a GPT-2 token outside the kept set becomes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutOfVocabulary>))]
public enum OutOfVocabulary
{
    /// <summary>One <c>&lt;unk&gt;</c> token (vocabularies built before byte spelling; the text is lost).</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,
    /// <summary>Its bytes, each one of GPT-2's 256 single-byte tokens, all of which the vocabulary keeps: every text round-trips.</summary>
    [JsonStringEnumMemberName("bytes")] Bytes,
}

/// <summary>
/// A small model's vocabulary carved out of GPT-2's: GPT-2's 256 single-byte tokens (model ids 0–255, in GPT-2's id
/// order, so for GPT-2 they are the same ids), then the corpus's most frequent other GPT-2 tokens (by count, ties by
/// GPT-2 id), then <c>&lt;|endoftext|&gt;</c> (GPT-2 50256, put between documents). A GPT-2 token outside the kept set
/// is spelled by its bytes, so any text maps to model ids and back exactly (<see cref="Decode"/>); mapping the ids to
/// GPT-2's and decoding with GPT-2 gives the same text. Travels as <c>vocab.json</c> in the bundle and as
/// <c>__metadata__["vocab"]</c> in the model file. (Older vocabularies had an <c>&lt;unk&gt;</c> token instead of byte
/// spelling; they are still read.)
/// </summary>
public sealed class RestrictedVocabulary
{
    public const string Tokenizer = "gpt2 (tiktoken r50k_base, Microsoft.ML.Tokenizers)";
    public const string EndOfText = "<|endoftext|>";
    public const string Unknown = "<unk>";
    public const int Gpt2EndOfText = 50256;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<int, int> fromGpt2;
    private readonly int[]? byteIds; // byteIds[b]: the model id of the token that is byte b alone

    public IReadOnlyList<VocabularyToken> Tokens { get; }
    public int EndOfTextId { get; }
    /// <summary>The <c>&lt;unk&gt;</c> id of an older vocabulary; null when out-of-vocabulary tokens are spelled in bytes.</summary>
    public int? UnknownId { get; }
    public OutOfVocabulary OutOfVocabulary => UnknownId is null ? OutOfVocabulary.Bytes : OutOfVocabulary.Unknown;
    public int Size => Tokens.Count;

    private RestrictedVocabulary(IReadOnlyList<VocabularyToken> tokens, OutOfVocabulary outOfVocabulary)
    {
        Tokens = tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Id != i) throw new InvalidDataException($"Vocabulary entry {i} has id {tokens[i].Id}; ids must be 0..n−1 in order.");
        }
        EndOfTextId = tokens.Single(t => t.Token == EndOfText && t.Gpt2Id == Gpt2EndOfText).Id;
        fromGpt2 = tokens.Where(t => t.Gpt2Id >= 0).ToDictionary(t => t.Gpt2Id, t => t.Id);
        if (outOfVocabulary == OutOfVocabulary.Unknown)
        {
            UnknownId = tokens.Single(t => t.Token == Unknown && t.Gpt2Id == -1).Id;
            return;
        }
        byteIds = new int[256];
        Array.Fill(byteIds, -1);
        foreach (var t in tokens)
        {
            if (t.Id == EndOfTextId || t.Bytes() is not [var b]) continue;
            if (byteIds[b] >= 0) throw new InvalidDataException($"Tokens {byteIds[b]} and {t.Id} are both the byte 0x{b:X2}.");
            byteIds[b] = t.Id;
        }
        if (Array.IndexOf(byteIds, -1) is var missing and >= 0)
            throw new InvalidDataException($"The vocabulary spells unknown tokens in bytes but has no token for the byte 0x{missing:X2}.");
    }

    /// <summary>
    /// GPT-2's 256 byte tokens, the <paramref name="size"/> − 257 most frequent other GPT-2 tokens of
    /// <paramref name="documents"/>, then end-of-text. <paramref name="gpt2Bytes"/> gives a GPT-2 token's bytes.
    /// </summary>
    public static RestrictedVocabulary Build(IEnumerable<IReadOnlyList<int>> documents, int size, Func<int, byte[]> gpt2Bytes)
    {
        if (size < 258) throw new ArgumentOutOfRangeException(nameof(size), "The vocabulary needs the 256 byte tokens, end-of-text and at least one other token.");
        // GPT-2's byte-level BPE starts from one token per byte, ids 0–255, before any merge.
        var byteTokens = Enumerable.Range(0, 256).ToList();
        if (byteTokens.Select(g => gpt2Bytes(g)).Where(b => b.Length == 1).Select(b => b[0]).Distinct().Count() != 256)
            throw new InvalidDataException("GPT-2's ids 0–255 should be the 256 single bytes; this tokenizer's are not.");
        var counts = new Dictionary<int, long>();
        foreach (var doc in documents)
            foreach (var id in doc)
                counts[id] = counts.GetValueOrDefault(id) + 1;
        var isByte = byteTokens.ToHashSet();
        var frequent = counts.Where(c => c.Key != Gpt2EndOfText && !isByte.Contains(c.Key))
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key).Take(size - 257).Select(c => c.Key);
        var tokens = byteTokens.Concat(frequent).Select((g, i) => Token(i, g, gpt2Bytes(g))).ToList();
        tokens.Add(new VocabularyToken(tokens.Count, Gpt2EndOfText, EndOfText));
        return new RestrictedVocabulary(tokens, OutOfVocabulary.Bytes);
    }

    /// <summary>
    /// A token's entry: its text, or, when its bytes are not whole UTF-8 or hold a control character other than tab and
    /// newlines, <c>&lt;0xNN&gt;</c> per byte with the bytes beside it. Control characters would be invisible in a
    /// dashboard, and U+0000 cannot be stored in PostgreSQL's text or jsonb at all.
    /// </summary>
    private static VocabularyToken Token(int id, int gpt2Id, byte[] bytes)
    {
        string? text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = null;
        }
        return text is not null && !text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            ? new VocabularyToken(id, gpt2Id, text)
            : new VocabularyToken(id, gpt2Id, string.Concat(bytes.Select(b => $"<0x{b:X2}>"))) { BytesHex = Convert.ToHexString(bytes) };
    }

    /// <summary>
    /// GPT-2 ids as model ids: a kept token is its own id; any other is spelled by its bytes
    /// (<paramref name="gpt2Bytes"/>), or is <c>&lt;unk&gt;</c> in an older vocabulary.
    /// </summary>
    public int[] FromGpt2(IReadOnlyList<int> gpt2Ids, Func<int, byte[]> gpt2Bytes)
    {
        var ids = new List<int>(gpt2Ids.Count);
        foreach (var g in gpt2Ids)
        {
            if (fromGpt2.TryGetValue(g, out var id)) ids.Add(id);
            else if (byteIds is null) ids.Add(UnknownId!.Value);
            else foreach (var b in gpt2Bytes(g)) ids.Add(byteIds[b]);
        }
        return [.. ids];
    }

    /// <summary>The text of model ids: their bytes, concatenated, as UTF-8 (a character cut by a window's edge becomes U+FFFD).</summary>
    public string Decode(IEnumerable<int> ids) => Encoding.UTF8.GetString(ids.SelectMany(id => Tokens[id].Bytes()).ToArray());

    public string TokenString(int id) => id >= 0 && id < Tokens.Count ? Tokens[id].Token : $"<{id}?>";

    private sealed record Document(
        [property: JsonPropertyName("tokenizer")] string Tokenizer,
        [property: JsonPropertyName("out_of_vocabulary")] OutOfVocabulary? OutOfVocabulary,
        [property: JsonPropertyName("end_of_text_id")] int EndOfTextId,
        [property: JsonPropertyName("unknown_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? UnknownId,
        [property: JsonPropertyName("tokens")] List<VocabularyToken> Tokens);

    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJson() => JsonSerializer.Serialize(new Document(Tokenizer, OutOfVocabulary, EndOfTextId, UnknownId, [.. Tokens]), Compact);

    public static RestrictedVocabulary FromJson(string json)
    {
        var doc = JsonSerializer.Deserialize<Document>(json) ?? throw new InvalidDataException("The vocabulary JSON is null.");
        // Files from before byte spelling have no out_of_vocabulary and an unknown_id.
        var outOfVocabulary = doc.OutOfVocabulary ?? (doc.UnknownId is null ? OutOfVocabulary.Bytes : OutOfVocabulary.Unknown);
        return new RestrictedVocabulary(doc.Tokens ?? throw new InvalidDataException("The vocabulary JSON has no tokens."), outOfVocabulary);
    }
}
