using System.Diagnostics.CodeAnalysis;

namespace Archive.Data.Blobs;

/// <summary>
/// A blob's name: the sha256 of its bytes, as 64 lower-case hex digits. Parsed once at the edge (a URL, a database row,
/// a manifest), so everything past that point holds a valid hash.
/// </summary>
public readonly record struct ContentHash : IParsable<ContentHash>
{
    public const int HexLength = 64;

    private ContentHash(string hex) => Hex = hex;

    public string Hex { get; }

    /// <summary>Where the filesystem backend and the object store put it: <c>ab/cd/abcd…</c>, so no folder holds millions of files.</summary>
    public string RelativePath => $"{Hex[..2]}/{Hex[2..4]}/{Hex}";

    public static ContentHash FromDigest(ReadOnlySpan<byte> sha256Digest) =>
        sha256Digest.Length == 32 ? new(Convert.ToHexStringLower(sha256Digest)) : throw new ArgumentException("A sha256 digest has 32 bytes.", nameof(sha256Digest));

    public static ContentHash Parse(string s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var hash) ? hash : throw new FormatException($"'{(s.Length > 80 ? s[..80] + "…" : s)}' is not a sha256 (64 hex digits).");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ContentHash result)
    {
        result = default;
        if (s is null || s.Length != HexLength || !s.All(char.IsAsciiHexDigit)) return false;
        result = new ContentHash(s.ToLowerInvariant());
        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out ContentHash result) => TryParse(s, null, out result);

    public override string ToString() => Hex ?? "";
}
