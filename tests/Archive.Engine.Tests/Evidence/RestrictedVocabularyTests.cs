using System.Text;
using Archive.Engine.Evidence;
using Xunit;

namespace Archive.Engine.Tests.Evidence;

/// <summary>A byte-spelling vocabulary on a made-up GPT-2: ids 0–255 are the bytes (here in plain order), then merges.</summary>
public sealed class RestrictedVocabularyTests
{
    // 256 " the", 257 " cat", 258 "é" (two bytes, whole), 259 the first two bytes of "—" (a merge that cuts a character).
    private static readonly Dictionary<int, byte[]> Merges = new()
    {
        [256] = Encoding.UTF8.GetBytes(" the"), [257] = Encoding.UTF8.GetBytes(" cat"), [258] = Encoding.UTF8.GetBytes("é"), [259] = [0xE2, 0x80],
    };

    private static byte[] Bytes(int id) => id < 256 ? [(byte)id] : Merges[id];

    [Fact]
    public void Tokens_outside_the_kept_set_are_spelled_in_bytes_and_every_text_round_trips()
    {
        // " the" is frequent, " cat" is not: a vocabulary of 258 keeps the bytes, " the" and end-of-text.
        int[][] documents = [[256, 256, 257], [256, 258]];
        var vocab = RestrictedVocabulary.Build(documents, 258, Bytes);
        Assert.Equal(258, vocab.Size);
        Assert.Equal(OutOfVocabulary.Bytes, vocab.OutOfVocabulary);
        Assert.Null(vocab.UnknownId);
        Assert.Equal(257, vocab.EndOfTextId);

        var ids = vocab.FromGpt2([256, 257, 258], Bytes);
        Assert.Equal(new int[] { 256, ' ', 'c', 'a', 't', 0xC3, 0xA9 }, ids);
        Assert.Equal(" the caté", vocab.Decode(ids));
        Assert.DoesNotContain(vocab.Tokens, t => t.Token == RestrictedVocabulary.Unknown);
    }

    [Fact]
    public void A_token_that_is_not_whole_utf8_keeps_its_bytes_in_the_json_and_the_vocabulary_reads_back()
    {
        var vocab = RestrictedVocabulary.Build([[259, 259, 256]], 259, Bytes);
        var lone = vocab.Tokens.Single(t => t.Gpt2Id == 259);
        Assert.Equal("E280", lone.BytesHex);
        Assert.Equal("<0xE2><0x80>", lone.Token);

        var read = RestrictedVocabulary.FromJson(vocab.ToJson());
        Assert.Equal(vocab.Tokens, read.Tokens);
        Assert.Equal(OutOfVocabulary.Bytes, read.OutOfVocabulary);
        Assert.Equal("—", read.Decode([lone.Id, 0x94]));
        Assert.Contains("\"out_of_vocabulary\":\"bytes\"", vocab.ToJson());

        // Control bytes are shown, not written raw (PostgreSQL cannot store U+0000); newline and tab stay text.
        Assert.Equal(("<0x00>", "00"), (read.Tokens[0].Token, read.Tokens[0].BytesHex));
        Assert.Equal(("\n", null), (read.Tokens['\n'].Token, read.Tokens['\n'].BytesHex));
        Assert.Equal("\0a\n", read.Decode([0, 'a', '\n']));
    }

    [Fact]
    public void An_older_vocabulary_with_unk_still_reads()
    {
        const string json = """{"tokenizer":"gpt2","end_of_text_id":1,"unknown_id":2,"tokens":[{"id":0,"gpt2_id":262,"token":" the"},{"id":1,"gpt2_id":50256,"token":"<|endoftext|>"},{"id":2,"gpt2_id":-1,"token":"<unk>"}]}""";
        var vocab = RestrictedVocabulary.FromJson(json);
        Assert.Equal(OutOfVocabulary.Unknown, vocab.OutOfVocabulary);
        Assert.Equal(new[] { 0, 2 }, vocab.FromGpt2([262, 9999], Bytes));
    }
}
