using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Archive.Web.Dictionaries;

/// <summary>
/// A position in a dictionary's feature table: the sort it belongs to, the sort key and index of a row, and whether the
/// page it asks for lies after that row or before it. Rows are ordered by (key, index), both ascending or both
/// descending, so the pair is unique and one row comparison in SQL finds the next page, whatever rows came or went
/// since the cursor was written. This is the one place that writes and reads the opaque text clients pass around.
/// </summary>
/// <remarks>
/// The text is base64url of 18 bytes: a version, a flags byte (sort, direction, before), the key as IEEE-754 bits (so a
/// density round-trips exactly and the seek never lands between two equal keys), the index, and four bytes of SHA-256
/// over the rest. The check is not a secret: any position is a legitimate query, so there is nothing to protect by
/// signing; it is there so that a cursor that was truncated, mistyped or edited is refused as one (400) rather than
/// quietly read as some other position.
/// </remarks>
public readonly record struct FeatureCursor(FeatureSort Sort, bool Descending, bool Before, double Key, int Index)
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 1 + 8 + 4;
    private const int Length = PayloadLength + 4;

    /// <summary>The cursor of the page that continues after <paramref name="row"/> in the given order.</summary>
    public static FeatureCursor After(FeatureSort sort, bool descending, FeatureRow row) => new(sort, descending, false, KeyOf(sort, row), row.Index);

    /// <summary>The cursor of the page that ends just before <paramref name="row"/> in the given order.</summary>
    public static FeatureCursor BeforeRow(FeatureSort sort, bool descending, FeatureRow row) => new(sort, descending, true, KeyOf(sort, row), row.Index);

    /// <summary>The same position, looking the other way (an empty page still knows where its neighbours are).</summary>
    public FeatureCursor Flipped() => this with { Before = !Before };

    /// <summary>The sort key a row is ordered by; for the index sort the index alone is the key, and this is ignored.</summary>
    public static double KeyOf(FeatureSort sort, FeatureRow row) => sort switch
    {
        FeatureSort.Density => row.Density,
        FeatureSort.MaxActivation => row.MaxActivation,
        _ => 0,
    };

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        bytes[1] = (byte)((int)Sort | (Descending ? 0x10 : 0) | (Before ? 0x20 : 0));
        BinaryPrimitives.WriteInt64BigEndian(bytes[2..], BitConverter.DoubleToInt64Bits(Key));
        BinaryPrimitives.WriteInt32BigEndian(bytes[10..], Index);
        Check(bytes[..PayloadLength], bytes[PayloadLength..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a cursor this type wrote; false for anything else (wrong length, alphabet, version, flags or check).</summary>
    public static bool TryDecode(string? text, out FeatureCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64) return false;
        Span<byte> bytes = stackalloc byte[48];
        if (Base64Url.DecodeFromChars(text, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != text.Length || written != Length)
            return false;
        bytes = bytes[..Length];
        Span<byte> check = stackalloc byte[4];
        Check(bytes[..PayloadLength], check);
        if (!check.SequenceEqual(bytes[PayloadLength..]) || bytes[0] != Version) return false;
        var flags = bytes[1];
        var sort = (FeatureSort)(flags & 0x0F);
        if ((flags & ~0x3F) != 0 || !Enum.IsDefined(sort)) return false;
        cursor = new FeatureCursor(sort, (flags & 0x10) != 0, (flags & 0x20) != 0,
            BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(bytes[2..])), BinaryPrimitives.ReadInt32BigEndian(bytes[10..]));
        return true;
    }

    private static void Check(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(payload, hash);
        hash[..destination.Length].CopyTo(destination);
    }
}
