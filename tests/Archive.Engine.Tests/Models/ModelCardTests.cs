using System.Buffers.Binary;
using System.Text.Json;
using Archive.Formats.Models;
using Archive.Formats.Safetensors;
using Xunit;

namespace Archive.Engine.Tests.Models;

/// <summary>
/// <see cref="ModelCard"/> is how a model file is judged without TorchSharp (the site, as an upload arrives; the importer):
/// from the safetensors header alone, against the real length of the stream that holds the file.
/// </summary>
public sealed class ModelCardTests
{
    public static TheoryData<string> Bundles => new(Directory.GetDirectories(BundlesFolder()).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Every_shipped_bundle_s_model_file_passes_from_a_path_and_from_a_stream(string bundle)
    {
        var (path, architecture) = ModelOf(bundle);

        var fromPath = ModelCard.Inspect(path, architecture);
        using var stream = new MemoryStream(File.ReadAllBytes(path), writable: false);
        var fromStream = ModelCard.Inspect(stream, architecture);

        Assert.Equal(fromPath, fromStream);
        Assert.True(fromPath.ParameterCount > 0, bundle);
        using var _ = JsonDocument.Parse(fromPath.ConfigJson);
    }

    [Theory]
    [InlineData("induction-heads-2l-attn-only", 2, 64, 4, 256, 64, true)]
    [InlineData("brown-2l-induction-and-features", 2, 128, 4, 4096, 128, false)]
    [InlineData("curve-detectors-mnist-cnn", 4, 0, 0, 10, 0, false)]
    [InlineData("toy-models-of-superposition-20-in-5", 0, 5, 0, 20, 0, false)]
    public void The_card_records_each_kind_s_shape(string bundle, int nLayers, int dModel, int nHeads, int dVocab, int nCtx, bool attnOnly)
    {
        var (path, architecture) = ModelOf(bundle);

        var card = ModelCard.Inspect(path, architecture);

        Assert.Equal((nLayers, dModel, nHeads, dVocab, nCtx, attnOnly), (card.NLayers, card.DModel, card.NHeads, card.DVocab, card.NCtx, card.AttnOnly));
        if (architecture == ConvNetFileHeader.Architecture) Assert.Equal(54_314, card.ParameterCount); // the specimen's description
        if (architecture == ToyModelFileHeader.Architecture) Assert.Equal(5 * (5 * 20 + 20), card.ParameterCount);
    }

    [Fact]
    public void Only_the_header_is_read()
    {
        var (path, architecture) = ModelOf("brown-2l-induction-and-features");
        var bytes = File.ReadAllBytes(path);
        using var stream = new ReadCountingStream(bytes);

        ModelCard.Inspect(stream, architecture);

        Assert.Equal(8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes), stream.BytesRead);
    }

    [Theory]
    [InlineData(1, "offsets-outside-buffer", "is past the data buffer's")]
    [InlineData(1000, "offsets-outside-buffer", "is past the data buffer's")]
    [InlineData(-100, "header-beyond-file", "bytes follow it")] // cut inside the header (counted from its start)
    public void A_truncated_model_file_is_refused_naming_the_cut(int cut, string rule, string message)
    {
        var (path, architecture) = ModelOf("induction-heads-2l-attn-only");
        var bytes = File.ReadAllBytes(path);
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var keep = cut > 0 ? bytes.Length - cut : headerEnd + cut;
        using var stream = new MemoryStream(bytes, 0, keep, writable: false);

        var error = Assert.Throws<SafetensorsFormatException>(() => ModelCard.Inspect(stream, architecture));

        Assert.Equal(rule, error.Rule);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid safetensors file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_model_header_whose_offsets_run_past_the_end_of_the_file_is_refused()
    {
        // The shipped model's own header, with none of the tensor bytes it points to: every check of the model itself
        // would pass, but the file is not what the header says.
        var (path, architecture) = ModelOf("curve-detectors-mnist-cnn");
        var bytes = File.ReadAllBytes(path);
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var stream = new MemoryStream(bytes, 0, headerEnd, writable: false);

        var error = Assert.Throws<SafetensorsFormatException>(() => ModelCard.Inspect(stream, architecture));

        Assert.Equal("offsets-outside-buffer", error.Rule);
        Assert.NotNull(error.TensorName);
        Assert.Matches(@"^Invalid safetensors file: tensor '[\w.]+' breaks rule 'offsets-outside-buffer': data_offsets end \d+ is past the data buffer's 0 bytes\.$", error.Message);
    }

    [Fact]
    public void A_file_read_as_another_kind_is_refused_as_a_model()
    {
        var (cnn, _) = ModelOf("curve-detectors-mnist-cnn");
        var (toy, _) = ModelOf("toy-models-of-superposition-20-in-5");

        var asTransformer = Assert.Throws<ModelFormatException>(() => ModelCard.Inspect(cnn, "transformer"));
        Assert.Equal("config-invalid", asTransformer.Rule);
        Assert.StartsWith("Invalid model file (rule 'config-invalid')", asTransformer.Message, StringComparison.Ordinal);
        Assert.Equal("config-invalid", Assert.Throws<ModelFormatException>(() => ModelCard.Inspect(toy, ConvNetFileHeader.Architecture)).Rule);
        Assert.StartsWith("The toy model config is not valid JSON", Assert.Throws<InvalidDataException>(() => ModelCard.Inspect(cnn, ToyModelFileHeader.Architecture)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_refused_before_anything_is_read()
    {
        var (path, architecture) = ModelOf("toy-models-of-superposition-20-in-5");
        using var stream = new ReadCountingStream(File.ReadAllBytes(path), canSeek: false);

        Assert.Throws<ArgumentException>(() => ModelCard.Inspect(stream, architecture));
        Assert.Equal(0, stream.BytesRead);
    }

    private static (string Path, string Architecture) ModelOf(string bundle)
    {
        var folder = Path.Combine(BundlesFolder(), bundle);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "specimen.json")));
        var model = manifest.RootElement.GetProperty("model");
        return (Path.Combine(folder, model.GetProperty("file").GetString()!), model.GetProperty("architecture").GetString()!);
    }

    private static string BundlesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) return Path.Combine(dir.FullName, "src", "Archive.Specimens", "Bundles");
        throw new DirectoryNotFoundException("No Archive.sln above the test binary.");
    }

    /// <summary>A read-only stream over bytes that counts what is read from it.</summary>
    private sealed class ReadCountingStream(byte[] bytes, bool canSeek = true) : MemoryStream(bytes, writable: false)
    {
        public long BytesRead { get; private set; }

        public override bool CanSeek => canSeek && base.CanSeek;

        // A derived MemoryStream's Read(Span) comes here, so every read is counted here or in ReadByte.
        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int ReadByte()
        {
            var b = base.ReadByte();
            if (b >= 0) BytesRead++;
            return b;
        }
    }
}
