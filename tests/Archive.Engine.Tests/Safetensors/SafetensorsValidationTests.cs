using System.Diagnostics;
using Archive.Engine.Safetensors;
using Archive.Formats.Safetensors;
using Xunit;

namespace Archive.Engine.Tests.Safetensors;

public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Hostile => HostileSafetensorsCorpus.Names;

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_file_is_rejected_quickly_naming_its_rule_and_tensor(string name)
    {
        var hostile = HostileSafetensorsCorpus.Cases[name];
        var path = _temp.Write("hostile.safetensors", hostile.Bytes);

        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Load(path));
        clock.Stop();

        Assert.Equal(hostile.Rule, error.Rule);
        Assert.Equal(hostile.Tensor, error.TensorName);
        Assert.Contains($"'{hostile.Rule}'", error.Message);
        if (hostile.Tensor is not null) Assert.Contains($"tensor '{hostile.Tensor}'", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_stream_is_rejected_by_ReadHeader_with_the_same_rule(string name)
    {
        var hostile = HostileSafetensorsCorpus.Cases[name];
        using var stream = new MemoryStream(hostile.Bytes, writable: false);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.ReadHeader(stream));

        Assert.Equal(hostile.Rule, error.Rule);
    }

    [Fact]
    public void Corpus_covers_at_least_25_distinct_files_and_20_rules()
    {
        var cases = HostileSafetensorsCorpus.Cases.Values.ToList();
        Assert.True(cases.Count >= 25);
        Assert.Equal(cases.Count, cases.Select(c => Convert.ToBase64String(c.Bytes)).Distinct().Count());
        Assert.True(cases.Select(c => c.Rule).Distinct().Count() >= 20);
    }

    [Fact]
    public void Header_padding_zero_sized_tensors_and_null_metadata_are_accepted()
    {
        const string json = "{\"__metadata__\":null,\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}," +
                            "\"a\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]}}   \n\t ";
        var body = System.Text.Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + body.Length + 1];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)body.Length);
        body.CopyTo(bytes, 8);
        bytes[^1] = 7;
        using var stream = new MemoryStream(bytes);

        var header = SafetensorsFile.ReadHeader(stream);

        Assert.Equal(["e", "a"], header.Tensors.Select(t => t.Name));
        Assert.Empty(header.Metadata);
        Assert.Equal(8 + body.Length, header.DataStart);
    }

    [Fact]
    public void Header_of_a_valid_but_unloadable_dtype_reads_and_loading_it_names_the_rule()
    {
        var json = "{\"u\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}"u8.ToArray();
        var bytes = new byte[8 + json.Length + 4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var path = _temp.Write("u16.safetensors", bytes);

        Assert.Equal("U16", SafetensorsFile.ReadHeader(path).Tensors.Single().Dtype);
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Load(path));
        Assert.Equal("dtype-unsupported", error.Rule);
        Assert.Equal("u", error.TensorName);
    }
}
