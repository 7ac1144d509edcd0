using Archive.Formats.Claims;
using System.Buffers.Binary;

namespace Archive.Engine.Evidence;

/// <summary>
/// A token set as a file: the ids of <c>windows</c> windows of <c>length</c> tokens, as little-endian int32, row after
/// row, nothing else. Its sha256 is therefore the token-set hash the claims and records already carry
/// (<see cref="Archive.Engine.Saes.TokenSetRecord.Hash"/>), so the file is the blob of that name, and anyone can read it back
/// with <c>numpy.frombuffer(data, "&lt;i4").reshape(windows, length)</c>.
/// </summary>
public static class TokenSetFile
{
    public const string MediaType = ClaimInputFiles.TokenIdsMediaType;

    public static byte[] Write(int[][] tokens)
    {
        var length = tokens.Length == 0 ? 0 : tokens[0].Length;
        var bytes = new byte[checked(tokens.Length * length * 4)];
        var at = 0;
        foreach (var window in tokens)
        {
            if (window.Length != length) throw new ArgumentException("Every window of a token set has the same length.", nameof(tokens));
            foreach (var id in window)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), id);
                at += 4;
            }
        }
        return bytes;
    }

    /// <summary>Reads a token-set file, checking its size against the claimed shape before allocating anything.</summary>
    public static int[][] Read(string path, int windows, int length)
    {
        var expected = (long)windows * length * 4;
        var actual = new FileInfo(path).Length;
        if (actual != expected)
            throw new InvalidDataException($"The token-set file has {actual} bytes; {windows} windows of {length} int32 ids need {expected}.");
        var bytes = File.ReadAllBytes(path);
        var tokens = new int[windows][];
        for (var w = 0; w < windows; w++)
        {
            tokens[w] = new int[length];
            for (var i = 0; i < length; i++) tokens[w][i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((w * length + i) * 4));
        }
        return tokens;
    }
}

/// <summary>Where <c>sae_feature</c> gets a claim's token ids.</summary>
public interface ITokenSetSource
{
    int[][] Get(CorpusTokenSet set, RestrictedVocabulary vocabulary);
}
