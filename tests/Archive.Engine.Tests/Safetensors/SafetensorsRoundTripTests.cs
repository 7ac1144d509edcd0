using System.Buffers.Binary;
using System.Text;
using Archive.Engine.Safetensors;
using Archive.Formats.Safetensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Safetensors;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Dtypes => new() { "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL" };

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void Every_dtype_round_trips_bit_exactly(string dtype)
    {
        Assert.True(SafetensorsTorchTypes.TryGetScalarType(dtype, out var type));
        Assert.True(SafetensorsDtypes.TryGetSize(dtype, out var size));
        // Random bit patterns, NaN payloads and subnormals included: the bytes must survive untouched.
        var bytes = new byte[3 * 5 * size];
        new Random(1234).NextBytes(bytes);
        if (dtype == "BOOL") for (var i = 0; i < bytes.Length; i++) bytes[i] &= 1;

        using var original = torch.empty([3, 5], type);
        original.bytes = bytes;
        var path = _temp.File("t.safetensors");
        SafetensorsFile.Save(path, new Dictionary<string, Tensor> { ["x"] = original });

        var file = File.ReadAllBytes(path);
        var header = SafetensorsFile.ReadHeader(path);
        Assert.Equal(bytes, file[(int)header.DataStart..]);
        Assert.Equal(dtype, header.Tensors.Single().Dtype);

        var loaded = SafetensorsFile.Load(path);
        using var x = loaded["x"];
        Assert.Equal(type, x.dtype);
        Assert.Equal([3L, 5L], x.shape);
        Assert.Equal(bytes, x.bytes.ToArray());
    }

    [Fact]
    public void Tiny_file_is_byte_identical_to_the_hand_built_one()
    {
        // {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 bytes; padded with 2 spaces to 56 = 0x38.
        byte[] expected =
        [
            0x38, 0, 0, 0, 0, 0, 0, 0,
            .. "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  "u8,
            0x00, 0x00, 0x80, 0x3F, // 1.0f little-endian
            0x00, 0x00, 0x00, 0x40, // 2.0f
        ];
        using var a = torch.tensor(new[] { 1f, 2f });
        var path = _temp.File("tiny.safetensors");

        SafetensorsFile.Save(path, new Dictionary<string, Tensor> { ["a"] = a });

        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Metadata_comes_first_with_sorted_keys_and_tensors_are_sorted_by_name()
    {
        using var b = torch.zeros(1, dtype: ScalarType.Int8);
        using var a = torch.ones(1, dtype: ScalarType.Int8);
        var path = _temp.File("sorted.safetensors");

        SafetensorsFile.Save(path, new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a },
            new Dictionary<string, string> { ["z"] = "last", ["format"] = "pt" });

        var file = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0, n % 8);
        Assert.Equal(
            "{\"__metadata__\":{\"format\":\"pt\",\"z\":\"last\"}," +
            "\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}," +
            "\"b\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            Encoding.UTF8.GetString(file, 8, n).TrimEnd(' '));
        Assert.Equal([1, 0], file[(8 + n)..]);
    }

    [Fact]
    public void Saving_the_same_tensors_twice_gives_the_same_bytes()
    {
        using var w = torch.randn(4, 3);
        using var v = torch.arange(5, dtype: ScalarType.Int64);
        var first = _temp.File("1.safetensors");
        var second = _temp.File("2.safetensors");

        SafetensorsFile.Save(first, new Dictionary<string, Tensor> { ["w"] = w, ["v"] = v }, new Dictionary<string, string> { ["k"] = "v" });
        SafetensorsFile.Save(second, new Dictionary<string, Tensor> { ["v"] = v, ["w"] = w }, new Dictionary<string, string> { ["k"] = "v" });

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Scalars_empty_tensors_views_and_odd_names_round_trip()
    {
        using var scalar = torch.tensor(3.5);
        using var empty = torch.empty([0, 4]);
        using var matrix = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var transposed = matrix.t(); // not contiguous: saved as its logical values
        const string oddName = "quote\" back\\slash\nnewline\u0001 ünïcode";
        var path = _temp.File("odd.safetensors");

        SafetensorsFile.Save(path, new Dictionary<string, Tensor> { ["s"] = scalar, ["e"] = empty, [oddName] = transposed },
            new Dictionary<string, string> { ["note"] = "tab\there" });

        var header = SafetensorsFile.ReadHeader(path);
        Assert.Equal("tab\there", header.Metadata["note"]);
        var loaded = SafetensorsFile.Load(path);
        Assert.Empty(loaded["s"].shape);
        Assert.Equal(3.5, loaded["s"].item<double>());
        Assert.Equal([0L, 4L], loaded["e"].shape);
        Assert.True(loaded[oddName].Equals(transposed));
        using var single = SafetensorsFile.LoadTensor(path, oddName);
        Assert.True(single.Equals(transposed));
        foreach (var t in loaded.Values) t.Dispose();
    }

    [Fact]
    public void A_file_with_no_tensors_is_valid()
    {
        var path = _temp.File("empty.safetensors");
        SafetensorsFile.Save(path, new Dictionary<string, Tensor>());

        Assert.Equal(16, new FileInfo(path).Length); // 8 + "{}" padded to 8
        Assert.Empty(SafetensorsFile.Load(path));
    }

    [Fact]
    public void Loading_an_unknown_name_throws_KeyNotFound()
    {
        using var a = torch.zeros(2);
        var path = _temp.File("a.safetensors");
        SafetensorsFile.Save(path, new Dictionary<string, Tensor> { ["a"] = a });

        Assert.Throws<KeyNotFoundException>(() => SafetensorsFile.LoadTensor(path, "b"));
    }
}
