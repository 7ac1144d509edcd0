using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace Archive.Formats.Safetensors;

/// <summary>
/// Reads and validates a safetensors header from the header bytes and the file length alone, so a hostile file is
/// rejected before any tensor byte is read. Walks the JSON with <see cref="Utf8JsonReader"/> (no DOM, no recursion)
/// so duplicate keys can be caught and deep nesting cannot exhaust the stack.
/// </summary>
internal static class SafetensorsHeaderParser
{
    public const ulong MaxHeaderBytes = 100_000_000;
    private const int MaxRank = 64;

    public static SafetensorsHeader Read(Stream stream)
    {
        if (!stream.CanRead || !stream.CanSeek)
            throw new ArgumentException("Reading a safetensors header needs a readable, seekable stream.", nameof(stream));

        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Fail("file-too-short", null, $"the file has {fileLength} bytes; it needs at least the 8-byte header length.");

        Span<byte> prefix = stackalloc byte[8];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
            throw Fail("header-too-large", null, $"the header length is {n} bytes; the limit is {MaxHeaderBytes}.");
        if ((long)n > fileLength - 8)
            throw Fail("header-beyond-file", null, $"the header length is {n} bytes but only {fileLength - 8} bytes follow it.");

        var json = new byte[n];
        stream.ReadExactly(json);
        return Parse(json, dataStart: 8 + (long)n, bufferLength: fileLength - 8 - (long)n);
    }

    /// <summary>
    /// Validates header bytes. <paramref name="bufferLength"/> is the size of the data buffer after the header; null while
    /// it is not known yet (a file still arriving), when every rule but the buffer's total length is checked and the
    /// caller checks that against the tensors' end (see <see cref="SafetensorsStreamValidator"/>).
    /// </summary>
    public static SafetensorsHeader Parse(byte[] json, long dataStart, long? bufferLength)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
            throw Fail("header-start", null, "the header must start with '{'.");
        if (!Utf8.IsValid(json))
            throw Fail("header-invalid-utf8", null, "the header is not valid UTF-8.");

        List<SafetensorsTensorInfo> tensors;
        Dictionary<string, string> metadata;
        try
        {
            (tensors, metadata) = ParseJson(json, bufferLength);
        }
        catch (JsonException e)
        {
            throw Fail("header-invalid-json", null, $"the header is not valid JSON ({e.Message})");
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString throws this for escapes that decode to invalid UTF-16 (lone surrogates).
            throw Fail("header-invalid-json", null, $"the header holds an invalid string ({e.Message})");
        }

        CheckLayout(tensors, bufferLength);
        return new SafetensorsHeader(tensors, metadata, dataStart);
    }

    private static (List<SafetensorsTensorInfo>, Dictionary<string, string>) ParseJson(byte[] json, long? bufferLength)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        Next(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail("header-not-object", null, "the header must be a JSON object.");

        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (!keys.Add(key))
                throw Fail("duplicate-key", key == "__metadata__" ? null : key, $"the key '{SafetensorsFormatException.Printable(key)}' appears twice in the header.");
            Next(ref reader);
            if (key == "__metadata__") ReadMetadata(ref reader, metadata);
            else tensors.Add(ReadEntry(ref reader, key, bufferLength));
        }
        // Anything after the root object other than whitespace (the padding) makes Read throw JsonException.
        if (reader.Read())
            throw Fail("header-invalid-json", null, "the header has content after its JSON object.");
        return (tensors, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        if (reader.TokenType == JsonTokenType.Null) return; // serde's Option reads null as "no metadata"
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail("metadata-not-object", null, $"__metadata__ must be an object of strings, not {Kind(reader.TokenType)}.");
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
                throw Fail("metadata-value-not-string", null, $"__metadata__ value '{SafetensorsFormatException.Printable(key)}' is {Kind(reader.TokenType)}, not a string.");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Fail("duplicate-key", null, $"the __metadata__ key '{SafetensorsFormatException.Printable(key)}' appears twice.");
        }
    }

    private static SafetensorsTensorInfo ReadEntry(ref Utf8JsonReader reader, string name, long? bufferLength)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail("entry-not-object", name, $"the entry must be an object, not {Kind(reader.TokenType)}.");

        string? dtype = null;
        long[]? shape = null, offsets = null;
        var fields = new HashSet<string>(StringComparer.Ordinal);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var field = reader.GetString()!;
            if (!fields.Add(field))
                throw Fail("duplicate-key", name, $"the field '{SafetensorsFormatException.Printable(field)}' appears twice.");
            Next(ref reader);
            switch (field)
            {
                case "dtype":
                    if (reader.TokenType != JsonTokenType.String)
                        throw Fail("field-type", name, $"dtype must be a string, not {Kind(reader.TokenType)}.");
                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, name, "shape", MaxRank, "shape-too-many-dims");
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, name, "data_offsets", 2, "data-offsets-arity");
                    break;
                default:
                    throw Fail("field-unknown", name, $"unknown field '{SafetensorsFormatException.Printable(field)}' (only dtype, shape, data_offsets).");
            }
        }

        if (dtype is null) throw Fail("field-missing", name, "the entry has no dtype.");
        if (shape is null) throw Fail("field-missing", name, "the entry has no shape.");
        if (offsets is null) throw Fail("field-missing", name, "the entry has no data_offsets.");
        if (offsets.Length != 2)
            throw Fail("data-offsets-arity", name, $"data_offsets must hold exactly [begin, end], not {offsets.Length} numbers.");
        if (!SafetensorsDtypes.TryGetSize(dtype, out int size))
            throw Fail("dtype-unknown", name, $"unknown dtype '{SafetensorsFormatException.Printable(dtype)}'.");
        if (shape.Any(d => d < 0))
            throw Fail("shape-negative", name, $"shape {Show(shape)} has a negative dimension.");

        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < 0)
            throw Fail("offsets-negative", name, $"data_offsets [{begin}, {end}] must not be negative.");

        long bytes;
        try
        {
            bytes = size;
            foreach (var d in shape) bytes = checked(bytes * d);
        }
        catch (OverflowException)
        {
            throw Fail("shape-overflow", name, $"shape {Show(shape)} of {dtype} needs more than 2^63 bytes.");
        }

        if (end < begin)
            throw Fail("offsets-reversed", name, $"data_offsets end {end} is before begin {begin}.");
        if (end - begin != bytes)
            throw Fail("dtype-size-mismatch", name, $"data_offsets span {end - begin} bytes but shape {Show(shape)} of {dtype} needs {bytes}.");
        if (bufferLength is { } length && end > length)
            throw Fail("offsets-outside-buffer", name, $"data_offsets end {end} is past the data buffer's {bufferLength} bytes.");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>An array of 64-bit integers with at most <paramref name="max"/> items (a hostile header could hold millions).</summary>
    private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, int max, string tooManyRule)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Fail("field-type", name, $"{field} must be an array of integers, not {Kind(reader.TokenType)}.");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
                throw Fail("field-type", name, $"{field} must hold integers that fit in 64 bits.");
            if (values.Count == max)
                throw Fail(tooManyRule, name, $"{field} has more than {max} items.");
            values.Add(value);
        }
        return values.ToArray();
    }

    /// <summary>Tensors must tile the data buffer exactly: sorted by offset, each starts where the last ended.</summary>
    private static void CheckLayout(List<SafetensorsTensorInfo> tensors, long? bufferLength)
    {
        long expected = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < expected)
                throw Fail("tensors-overlap", t.Name, $"it starts at byte {t.Begin}, inside '{SafetensorsFormatException.Printable(previous!.Name)}' which ends at {expected}.");
            if (t.Begin > expected)
                throw Fail("tensors-gap", t.Name, previous is null
                    ? $"it starts at byte {t.Begin}; the {t.Begin} bytes before it belong to no tensor."
                    : $"it starts at byte {t.Begin} but '{SafetensorsFormatException.Printable(previous.Name)}' ends at {expected}; the {t.Begin - expected} bytes between belong to no tensor.");
            expected = t.End;
            previous = t;
        }
        if (bufferLength is { } length && expected != length)
            throw Fail("trailing-bytes", null, $"the data buffer has {length - expected} bytes after the last tensor.");
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw Fail("header-invalid-json", null, "the header's JSON ends early.");
        return reader.TokenType;
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string Show(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static SafetensorsFormatException Fail(string rule, string? tensor, string detail) => new(rule, tensor, detail);
}
