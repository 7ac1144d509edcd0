using Archive.Formats.Claims;
using Archive.Engine.Evidence;

namespace Archive.Specimens.Build;

/// <summary>Token sets rebuilt from the corpus (the specimen builder and the bundle importer, which run in the repository).</summary>
public sealed class CorpusTokenSetSource : ITokenSetSource
{
    public int[][] Get(CorpusTokenSet set, RestrictedVocabulary vocabulary)
    {
        var tokens = BrownTokens.Windows(BrownTokens.SplitStream(set.Split, vocabulary), set.Windows, set.Length);
        var sha = Archive.Engine.Saes.TokenSetRecord.Hash(tokens);
        if (set.Sha256 is { } expected && expected != sha)
            throw new InvalidDataException($"The rebuilt token set hashes to {sha}, not the claimed {expected}; the corpus or tokenizer differs.");
        return tokens;
    }
}
