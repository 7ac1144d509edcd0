using Archive.Engine.Evidence;
using Archive.Formats.Claims;

namespace Archive.Specimens.Build;

/// <summary>
/// The Brown corpus as token ids of a <see cref="RestrictedVocabulary"/>: every tenth document (file-name order,
/// index % 10 == 9) is held out, and the held-out documents are split in two disjoint halves (see
/// <see cref="CorpusTokenSet.Selection"/>, <see cref="CorpusTokenSet.Check"/>); each document is preceded by
/// <c>&lt;|endoftext|&gt;</c> and the documents are concatenated into one stream per split. Held-out windows are
/// consecutive, non-overlapping, from the stream's start.
/// </summary>
public static class BrownTokens
{
    public static bool IsHeldOut(int documentIndex) => CorpusTokenSet.Contains(CorpusTokenSet.HeldOut, documentIndex);

    /// <summary>How a split's windows are made, for evidence records and dashboards.</summary>
    public static string Generator(string split, int windows, int length) => CorpusTokenSet.Describe(split, windows, length);

    public static List<IReadOnlyList<int>> Gpt2Ids(IEnumerable<BrownDocument> documents, Gpt2Bpe gpt2) =>
        documents.Select(d => gpt2.Encode(d.Text)).ToList();

    /// <summary><c>&lt;|endoftext|&gt;</c> + document, for each document, concatenated.</summary>
    public static int[] Stream(IEnumerable<IReadOnlyList<int>> gpt2Documents, RestrictedVocabulary vocabulary, Gpt2Bpe gpt2)
    {
        var stream = new List<int>();
        foreach (var doc in gpt2Documents)
        {
            stream.Add(vocabulary.EndOfTextId);
            stream.AddRange(vocabulary.FromGpt2(doc, gpt2.Bytes));
        }
        return [.. stream];
    }

    /// <summary>
    /// The stream of <see cref="Stream"/> with a repeated-text curriculum: after each document, up to
    /// <paramref name="blocks"/> blocks of <c>&lt;|endoftext|&gt;</c> + span + the same span again, the spans being the
    /// document's first consecutive <paramref name="span"/>-token pieces.
    /// </summary>
    public static int[] StreamWithRepeats(IEnumerable<IReadOnlyList<int>> gpt2Documents, RestrictedVocabulary vocabulary, Gpt2Bpe gpt2, int blocks, int span)
    {
        var stream = new List<int>();
        foreach (var doc in gpt2Documents)
        {
            var ids = vocabulary.FromGpt2(doc, gpt2.Bytes);
            stream.Add(vocabulary.EndOfTextId);
            stream.AddRange(ids);
            for (var b = 0; b < blocks && (b + 1) * span <= ids.Length; b++)
            {
                stream.Add(vocabulary.EndOfTextId);
                stream.AddRange(ids.AsSpan(b * span, span));
                stream.AddRange(ids.AsSpan(b * span, span));
            }
        }
        return [.. stream];
    }

    /// <summary><paramref name="count"/> windows spread evenly over the stream: window i starts at ⌊i · (len − length) / (count − 1)⌋.</summary>
    public static int[][] SpreadWindows(int[] stream, int count, int length)
    {
        if (stream.Length < length) throw new ArgumentException("The stream is shorter than one window.");
        var last = stream.Length - length;
        return Enumerable.Range(0, count).Select(i => stream.AsSpan((int)((long)i * last / Math.Max(1, count - 1)), length).ToArray()).ToArray();
    }

    /// <summary>The first <paramref name="count"/> consecutive windows of <paramref name="length"/> tokens.</summary>
    public static int[][] Windows(int[] stream, int count, int length, int offset = 0)
    {
        if (offset + (long)count * length > stream.Length)
            throw new ArgumentException($"The stream has {stream.Length} tokens; {count} windows of {length} from {offset} need more.");
        return Enumerable.Range(0, count).Select(i => stream.AsSpan(offset + i * length, length).ToArray()).ToArray();
    }

    /// <summary>The stream of the held-out documents in <paramref name="split"/>.</summary>
    public static int[] SplitStream(IReadOnlyList<IReadOnlyList<int>> gpt2Documents, string split, RestrictedVocabulary vocabulary, Gpt2Bpe gpt2) =>
        Stream(gpt2Documents.Where((_, i) => CorpusTokenSet.Contains(split, i)), vocabulary, gpt2);

    /// <summary>The stream of <paramref name="split"/> for <paramref name="vocabulary"/>, fetching the corpus if needed.</summary>
    public static int[] SplitStream(string split, RestrictedVocabulary vocabulary, string? repositoryRoot = null)
    {
        var gpt2 = new Gpt2Bpe();
        return SplitStream(Gpt2Ids(BrownCorpus.Load(BrownCorpus.EnsureAvailable(repositoryRoot)), gpt2), split, vocabulary, gpt2);
    }
}
