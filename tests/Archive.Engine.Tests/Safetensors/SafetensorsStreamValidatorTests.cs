using Archive.Engine.Safetensors;
using Archive.Formats.Safetensors;
using TorchSharp;
using Xunit;

namespace Archive.Engine.Tests.Safetensors;

/// <summary>
/// The upload-time validator sees a file a chunk at a time. With the length announced (Content-Length) it must refuse
/// every hostile file under the same rule as the file reader; without it, it must still refuse every one, by the end at
/// the latest; and it must accept what the engine writes, in any chunking.
/// </summary>
public sealed class SafetensorsStreamValidatorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Hostile => HostileSafetensorsCorpus.Names;

    private static SafetensorsHeader Feed(byte[] bytes, long? declared, int chunk)
    {
        var validator = new SafetensorsStreamValidator(declared);
        for (var i = 0; i < bytes.Length; i += chunk) validator.Append(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        return validator.Complete();
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void With_the_length_announced_a_hostile_file_is_refused_under_the_file_readers_rule(string name)
    {
        var hostile = HostileSafetensorsCorpus.Cases[name];

        foreach (var chunk in new[] { 1, 7, 65_536 })
        {
            var error = Assert.Throws<SafetensorsFormatException>(() => Feed(hostile.Bytes, hostile.Bytes.Length, chunk));
            Assert.Equal(hostile.Rule, error.Rule);
            Assert.Equal(hostile.Tensor, error.TensorName);
        }
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Without_the_length_a_hostile_file_is_still_refused(string name)
    {
        var hostile = HostileSafetensorsCorpus.Cases[name];

        Assert.Throws<SafetensorsFormatException>(() => Feed(hostile.Bytes, declared: null, chunk: 4096));
    }

    [Fact]
    public void A_header_claiming_more_bytes_than_were_announced_is_refused_after_eight_bytes()
    {
        var validator = new SafetensorsStreamValidator(declaredLength: 1_000);
        var prefix = BitConverter.GetBytes(50_000UL);

        var error = Assert.Throws<SafetensorsFormatException>(() => validator.Append(prefix));

        Assert.Equal("header-beyond-file", error.Rule);
    }

    [Fact]
    public void Bytes_past_the_last_tensor_are_refused_as_they_arrive()
    {
        var path = _temp.File("ok.safetensors");
        using (var t = torch.arange(6, dtype: torch.float32)) SafetensorsFile.Save(path, new Dictionary<string, torch.Tensor> { ["t"] = t });
        var bytes = File.ReadAllBytes(path);
        var validator = new SafetensorsStreamValidator();
        validator.Append(bytes);

        var error = Assert.Throws<SafetensorsFormatException>(() => validator.Append(new byte[1]));

        Assert.Equal("trailing-bytes", error.Rule);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(1 << 20)]
    public void A_file_the_engine_wrote_passes_in_any_chunking_with_or_without_its_length(int chunk)
    {
        var path = _temp.File("model.safetensors");
        using (var a = torch.randn(3, 5))
        using (var b = torch.arange(7, dtype: torch.int64))
        {
            SafetensorsFile.Save(path, new Dictionary<string, torch.Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, string> { ["format"] = "pt" });
        }
        var bytes = File.ReadAllBytes(path);

        var announced = Feed(bytes, bytes.Length, chunk);
        var unannounced = Feed(bytes, null, chunk);

        Assert.Equal(["a", "b"], announced.Tensors.Select(t => t.Name).Order());
        Assert.Equal(bytes.Length, announced.DataStart + announced.DataLength);
        Assert.Equal(announced.DataLength, unannounced.DataLength);
        Assert.Equal("pt", unannounced.Metadata["format"]);
    }
}
