using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Engine.Evidence;

/// <summary>One token of a restricted vocabulary: the model's id, GPT-2's id (−1 for <c>&lt;unk&gt;</c>) and its text.</summary>
public sealed record VocabularyToken(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("gpt2_id")] int Gpt2Id,
    [property: JsonPropertyName("token")] string Token);

/// <summary>
/// A small model's vocabulary carved out of GPT-2's: the corpus's most frequent GPT-2 tokens (by count, ties by GPT-2
/// id), then <c>&lt;|endoftext|&gt;</c> (GPT-2 50256, put between documents), then <c>&lt;unk&gt;</c> for every other
/// GPT-2 token. Travels as <c>vocab.json</c> in the bundle and as <c>__metadata__["vocab"]</c> in the model file, so
/// anyone can map the model's ids back to GPT-2's and to text.
/// </summary>
public sealed class RestrictedVocabulary
{
    public const string Tokenizer = "gpt2 (tiktoken r50k_base, Microsoft.ML.Tokenizers)";
    public const string EndOfText = "<|endoftext|>";
    public const string Unknown = "<unk>";
    public const int Gpt2EndOfText = 50256;

    private readonly Dictionary<int, int> fromGpt2;

    public IReadOnlyList<VocabularyToken> Tokens { get; }
    public int EndOfTextId { get; }
    public int UnknownId { get; }
    public int Size => Tokens.Count;

    private RestrictedVocabulary(IReadOnlyList<VocabularyToken> tokens)
    {
        Tokens = tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Id != i) throw new InvalidDataException($"Vocabulary entry {i} has id {tokens[i].Id}; ids must be 0..n−1 in order.");
        }
        EndOfTextId = tokens.Single(t => t.Token == EndOfText && t.Gpt2Id == Gpt2EndOfText).Id;
        UnknownId = tokens.Single(t => t.Token == Unknown && t.Gpt2Id == -1).Id;
        fromGpt2 = tokens.Where(t => t.Gpt2Id >= 0).ToDictionary(t => t.Gpt2Id, t => t.Id);
    }

    /// <summary>The <paramref name="size"/> − 2 most frequent GPT-2 tokens of <paramref name="documents"/>, then end-of-text and unknown.</summary>
    public static RestrictedVocabulary Build(IEnumerable<IReadOnlyList<int>> documents, int size, Func<int, string> decodeGpt2)
    {
        if (size < 3) throw new ArgumentOutOfRangeException(nameof(size), "The vocabulary needs at least one ordinary token.");
        var counts = new Dictionary<int, long>();
        foreach (var doc in documents)
            foreach (var id in doc)
                counts[id] = counts.GetValueOrDefault(id) + 1;
        var kept = counts.Where(c => c.Key != Gpt2EndOfText).OrderByDescending(c => c.Value).ThenBy(c => c.Key).Take(size - 2).Select(c => c.Key).ToList();
        var tokens = kept.Select((g, i) => new VocabularyToken(i, g, decodeGpt2(g))).ToList();
        tokens.Add(new VocabularyToken(tokens.Count, Gpt2EndOfText, EndOfText));
        tokens.Add(new VocabularyToken(tokens.Count, -1, Unknown));
        return new RestrictedVocabulary(tokens);
    }

    public int FromGpt2(int gpt2Id) => fromGpt2.TryGetValue(gpt2Id, out var id) ? id : UnknownId;

    public int[] FromGpt2(IReadOnlyList<int> gpt2Ids) => gpt2Ids.Select(FromGpt2).ToArray();

    public string TokenString(int id) => id >= 0 && id < Tokens.Count ? Tokens[id].Token : $"<{id}?>";

    private sealed record Document(
        [property: JsonPropertyName("tokenizer")] string Tokenizer,
        [property: JsonPropertyName("end_of_text_id")] int EndOfTextId,
        [property: JsonPropertyName("unknown_id")] int UnknownId,
        [property: JsonPropertyName("tokens")] List<VocabularyToken> Tokens);

    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJson() => JsonSerializer.Serialize(new Document(Tokenizer, EndOfTextId, UnknownId, [.. Tokens]), Compact);

    public static RestrictedVocabulary FromJson(string json)
    {
        var doc = JsonSerializer.Deserialize<Document>(json) ?? throw new InvalidDataException("The vocabulary JSON is null.");
        return new RestrictedVocabulary(doc.Tokens ?? throw new InvalidDataException("The vocabulary JSON has no tokens."));
    }
}
