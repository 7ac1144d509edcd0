using System.Buffers;
using System.Buffers.Binary;

namespace Archive.Formats.Safetensors;

/// <summary>
/// Validates a safetensors file while its bytes arrive (an upload), so a bad file is refused as soon as the fault can be
/// seen: the header length after 8 bytes, the whole header (every rule of <see cref="SafetensorsHeaderParser"/>) as soon
/// as its last byte arrives, and the data buffer's length at the end. Memory grows with the header bytes actually
/// received, never with the length a header claims.
/// </summary>
public sealed class SafetensorsStreamValidator
{
    private readonly long? declaredLength;
    private readonly byte[] prefix = new byte[8];
    private int prefixFilled;
    private ulong headerLength;
    private ArrayBufferWriter<byte>? headerBytes;
    private long received;

    /// <param name="declaredLength">The file's length when the sender announced it (Content-Length); checked against the
    /// header's numbers before anything is read past them.</param>
    public SafetensorsStreamValidator(long? declaredLength = null)
    {
        if (declaredLength < 0) throw new ArgumentOutOfRangeException(nameof(declaredLength));
        this.declaredLength = declaredLength;
    }

    /// <summary>The validated header once all of it has arrived.</summary>
    public SafetensorsHeader? Header { get; private set; }

    /// <summary>Feeds the next bytes of the file; throws <see cref="SafetensorsFormatException"/> at the first fault.</summary>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        received += chunk.Length;
        if (Header is not null)
        {
            var total = Header.DataStart + Header.DataLength;
            if (received > total)
                throw new SafetensorsFormatException("trailing-bytes", null, $"the file goes on past byte {total}, where its last tensor ends.");
            return;
        }

        if (prefixFilled < 8)
        {
            var take = Math.Min(8 - prefixFilled, chunk.Length);
            chunk[..take].CopyTo(prefix.AsSpan(prefixFilled));
            prefixFilled += take;
            chunk = chunk[take..];
            if (prefixFilled < 8) return;
            headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > SafetensorsHeaderParser.MaxHeaderBytes)
                throw new SafetensorsFormatException("header-too-large", null, $"the header length is {headerLength} bytes; the limit is {SafetensorsHeaderParser.MaxHeaderBytes}.");
            if (declaredLength is { } length && (long)headerLength > length - 8)
                throw new SafetensorsFormatException("header-beyond-file", null, $"the header length is {headerLength} bytes but only {length - 8} bytes follow it.");
            headerBytes = new ArrayBufferWriter<byte>();
        }

        var missing = (long)headerLength - headerBytes!.WrittenCount;
        var part = chunk[..(int)Math.Min(missing, chunk.Length)];
        headerBytes.Write(part);
        if (headerBytes.WrittenCount < (long)headerLength) return;

        var dataStart = 8 + (long)headerLength;
        Header = SafetensorsHeaderParser.Parse(headerBytes.WrittenSpan.ToArray(), dataStart, declaredLength - dataStart);
        headerBytes = null;
        if (received > Header.DataStart + Header.DataLength)
            throw new SafetensorsFormatException("trailing-bytes", null, $"the file goes on past byte {Header.DataStart + Header.DataLength}, where its last tensor ends.");
    }

    /// <summary>Call when the file has ended: checks that it held the whole header and exactly the tensors' bytes.</summary>
    public SafetensorsHeader Complete()
    {
        if (prefixFilled < 8)
            throw new SafetensorsFormatException("file-too-short", null, $"the file has {received} bytes; it needs at least the 8-byte header length.");
        if (Header is null)
            throw new SafetensorsFormatException("header-beyond-file", null, $"the header length is {headerLength} bytes but only {received - 8} bytes follow it.");
        var total = Header.DataStart + Header.DataLength;
        if (received < total)
            throw new SafetensorsFormatException("offsets-outside-buffer", null, $"the file ends at byte {received}, before its last tensor ends at byte {total}.");
        return Header;
    }
}
