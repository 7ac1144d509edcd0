using System.Text;
using Microsoft.ML.Tokenizers;

namespace Archive.Specimens.Build;

/// <summary>
/// GPT-2's byte-level BPE: tiktoken's r50k_base has GPT-2's 50,257 tokens and merges (the R50kBase data package ships
/// it). Besides ids, the vocabulary needs each token's bytes, to spell tokens it does not keep.
/// </summary>
public sealed class Gpt2Bpe
{
    private readonly TiktokenTokenizer tokenizer = TiktokenTokenizer.CreateForEncoding("r50k_base");
    private readonly byte[] byteOfId = ByteOrder();

    public IReadOnlyList<int> Encode(string text) => tokenizer.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => tokenizer.Decode(ids);

    /// <summary>
    /// The bytes of GPT-2 token <paramref name="id"/>. Ids 0–255 are the single bytes in GPT-2's order; any other
    /// token's bytes are the UTF-8 of its text. Microsoft.ML.Tokenizers keeps raw bytes internal, so a merged token that
    /// is not whole UTF-8 characters (only in non-ASCII text; the Brown corpus is ASCII) is refused rather than guessed.
    /// </summary>
    public byte[] Bytes(int id)
    {
        if (id is >= 0 and < 256) return [byteOfId[id]];
        if (id is < 0 or >= 50256) throw new ArgumentOutOfRangeException(nameof(id), id, "Not an ordinary GPT-2 token.");
        var text = tokenizer.Decode([id]);
        if (text.Contains('\uFFFD', StringComparison.Ordinal))
            throw new NotSupportedException($"GPT-2 token {id} is part of a UTF-8 character; its bytes are not exposed by the tokenizer.");
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>
    /// GPT-2's byte tokens in id order (its <c>bytes_to_unicode</c>, tiktoken's ranks 0–255): the printable bytes
    /// 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF first, then the other 68 in increasing order.
    /// </summary>
    private static byte[] ByteOrder()
    {
        static bool Printable(int b) => b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        var printable = Enumerable.Range(0, 256).Where(Printable);
        return [.. printable.Concat(Enumerable.Range(0, 256).Where(b => !Printable(b))).Select(b => (byte)b)];
    }
}
