using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace Archive.Engine.Tests.Safetensors;

/// <summary>
/// Corrupt and hostile safetensors files, each with the rule it must be rejected under and the tensor the error must
/// name (null for whole-file rules). Built in code so every case is readable here.
/// </summary>
public static class HostileSafetensorsCorpus
{
    public sealed record Case(byte[] Bytes, string Rule, string? Tensor);

    private const string F32x2 = "\"dtype\":\"F32\",\"shape\":[2]";

    public static readonly IReadOnlyDictionary<string, Case> Cases = new Dictionary<string, Case>
    {
        ["empty file"] = new([], "file-too-short", null),
        ["seven bytes"] = new([1, 0, 0, 0, 0, 0, 0], "file-too-short", null),
        ["header length 2^63"] = new(Length(1UL << 63, "{}"), "header-too-large", null),
        ["header length 2^64-1"] = new(Length(ulong.MaxValue, "{}"), "header-too-large", null),
        ["header length 100,000,001"] = new(Length(100_000_001, "{}"), "header-too-large", null),
        ["header length past end of file"] = new(Length(64, "{\"a\":1}"), "header-beyond-file", null),
        ["header length zero"] = new(Length(0, ""), "header-start", null),
        ["header starts with a space"] = new(File(" {}"), "header-start", null),
        ["header is a JSON array"] = new(File("[]"), "header-start", null),
        ["header is a JSON string"] = new(File("\"{}\""), "header-start", null),
        ["header has invalid UTF-8"] = new(File([.. "{\""u8, 0xFF, 0xFE, .. "\":{}}"u8]), "header-invalid-utf8", null),
        ["header has an overlong UTF-8 encoding"] = new(File([.. "{\""u8, 0xC0, 0xAF, .. "\":{}}"u8]), "header-invalid-utf8", null),
        ["header JSON is truncated"] = new(File("{\"a\":{\"dtype\""), "header-invalid-json", null),
        ["header has garbage after the object"] = new(File("{} x"), "header-invalid-json", null),
        ["header has a comment"] = new(File("{/* hi */}"), "header-invalid-json", null),
        ["header has a trailing comma"] = new(File("{\"__metadata__\":{},}"), "header-invalid-json", null),
        ["header has a lone surrogate escape"] = new(File("{\"\\ud800\":{}}"), "header-invalid-json", null),
        ["unknown field holding 100,000 nested arrays"] = new(File("{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"x\":" + new string('[', 100_000)), "field-unknown", "a"),
        ["entry is an array"] = new(File("{\"a\":[1,2]}"), "entry-not-object", "a"),
        ["entry is null"] = new(File("{\"a\":null}"), "entry-not-object", "a"),
        ["dtype missing"] = new(File("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "field-missing", "a"),
        ["shape missing"] = new(File("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "field-missing", "a"),
        ["data_offsets missing"] = new(File("{\"a\":{" + F32x2 + "}}"), "field-missing", "a"),
        ["dtype is a number"] = new(File("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "field-type", "a"),
        ["shape is a string"] = new(File("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8), "field-type", "a"),
        ["shape holds a fraction"] = new(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,6]}}", 6), "field-type", "a"),
        ["shape holds a nested array"] = new(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[[2]],\"data_offsets\":[0,8]}}", 8), "field-type", "a"),
        ["data_offsets beyond 64 bits"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,99999999999999999999]}}", 8), "field-type", "a"),
        ["data_offsets with three entries"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8,16]}}", 8), "data-offsets-arity", "a"),
        ["data_offsets with one entry"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[8]}}", 8), "data-offsets-arity", "a"),
        ["shape with 65 dimensions"] = new(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[" + string.Join(',', Enumerable.Repeat(1, 65)) + "],\"data_offsets\":[0,1]}}", 1), "shape-too-many-dims", "a"),
        ["unknown field"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8],\"strides\":[1]}}", 8), "field-unknown", "a"),
        ["unknown dtype"] = new(File("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype-unknown", "a"),
        ["dtype in lower case"] = new(File("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype-unknown", "a"),
        ["negative dimension"] = new(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "shape-negative", "a"),
        ["negative offset"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[-8,0]}}", 8), "offsets-negative", "a"),
        ["shape product overflows"] = new(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}"), "shape-overflow", "a"),
        ["shape times dtype size overflows"] = new(File("{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}"), "shape-overflow", "a"),
        ["offsets reversed"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[8,0]}}", 8), "offsets-reversed", "a"),
        ["size does not match shape and dtype"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,4]}}", 4), "dtype-size-mismatch", "a"),
        ["offsets past the data buffer"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]}}", 4), "offsets-outside-buffer", "a"),
        ["offsets far past the data buffer"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[9223372036854775799,9223372036854775807]}}", 8), "offsets-outside-buffer", "a"),
        ["tensors overlap"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + F32x2 + ",\"data_offsets\":[4,12]}}", 12), "tensors-overlap", "b"),
        ["two tensors share bytes exactly"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + F32x2 + ",\"data_offsets\":[0,8]}}", 8), "tensors-overlap", "b"),
        ["gap between tensors"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + F32x2 + ",\"data_offsets\":[12,20]}}", 20), "tensors-gap", "b"),
        ["gap before the first tensor"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[4,12]}}", 12), "tensors-gap", "a"),
        ["trailing bytes after the last tensor"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]}}", 12), "trailing-bytes", null),
        ["data bytes but no tensors"] = new(File("{}", 3), "trailing-bytes", null),
        ["duplicate tensor name"] = new(File("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]}}", 8), "duplicate-key", "a"),
        ["duplicate field in an entry"] = new(File("{\"a\":{" + F32x2 + ",\"dtype\":\"F16\",\"data_offsets\":[0,8]}}", 8), "duplicate-key", "a"),
        ["duplicate metadata key"] = new(File("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), "duplicate-key", null),
        ["duplicate __metadata__"] = new(File("{\"__metadata__\":{},\"__metadata__\":{}}"), "duplicate-key", null),
        ["metadata value is a number"] = new(File("{\"__metadata__\":{\"config\":1}}"), "metadata-value-not-string", null),
        ["metadata value is an object"] = new(File("{\"__metadata__\":{\"config\":{\"n_layers\":1}}}"), "metadata-value-not-string", null),
        ["metadata is an array"] = new(File("{\"__metadata__\":[\"a\"]}"), "metadata-not-object", null),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    /// <summary>A well-formed file: the true header length, the header padded to 8 bytes, then zeroed data.</summary>
    private static byte[] File(string json, int dataBytes = 0) => File(Encoding.UTF8.GetBytes(json), dataBytes);

    private static byte[] File(byte[] json, int dataBytes = 0)
    {
        var padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        return bytes;
    }

    /// <summary>A file whose declared header length is <paramref name="declared"/>, whatever follows.</summary>
    private static byte[] Length(ulong declared, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared);
        body.CopyTo(bytes, 8);
        return bytes;
    }
}
