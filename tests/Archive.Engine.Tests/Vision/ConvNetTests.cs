using System.Text.Json;
using Archive.Engine.Evidence;
using Archive.Engine.Safetensors;
using Archive.Engine.Tests.Safetensors;
using Archive.Engine.Tests.Transformer;
using Archive.Engine.Training;
using Archive.Engine.Vision;
using Archive.Formats.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Vision;

public sealed class ConvNetTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Non-square input, two channels, strided and padded convolution, a padded pool with a window that overlaps.</summary>
    internal const string Odd = """
        {"kind": "cnn", "input": [2, 9, 7], "layers": [
          {"name": "conv1", "type": "conv2d", "out": 3, "kernel": 3, "stride": 2, "padding": 1}, {"type": "relu"},
          {"type": "maxpool", "kernel": 3, "stride": 2, "padding": 1},
          {"name": "conv2", "type": "conv2d", "out": 4, "kernel": 2}, {"type": "relu"},
          {"type": "flatten"}, {"name": "fc1", "type": "linear", "out": 5}, {"type": "relu"}, {"name": "fc2", "type": "linear", "out": 3}]}
        """;

    /// <summary>The curve-detector specimen's architecture.</summary>
    internal const string Mnist = """
        {"kind": "cnn", "input": [1, 28, 28], "layers": [
          {"name": "conv1", "type": "conv2d", "out": 8, "kernel": 5, "stride": 1, "padding": 2}, {"type": "relu"}, {"type": "maxpool", "kernel": 2, "stride": 2},
          {"name": "conv2", "type": "conv2d", "out": 16, "kernel": 5, "stride": 1, "padding": 2}, {"type": "relu"}, {"type": "maxpool", "kernel": 2, "stride": 2},
          {"type": "flatten"}, {"name": "fc1", "type": "linear", "out": 64}, {"type": "relu"}, {"name": "fc2", "type": "linear", "out": 10}]}
        """;

    /// <summary>Images [n][c][h][w] of float32-representable values, so the loop sees exactly what the tensor code sees.</summary>
    internal static double[][][][] RandomImages(ConvNetConfig config, int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, config.InputChannels).Select(_ =>
            Enumerable.Range(0, config.InputHeight).Select(_ => Enumerable.Range(0, config.InputWidth).Select(_ => (double)(float)random.NextDouble()).ToArray()).ToArray()).ToArray())];
    }

    internal static Tensor ToTensor(double[][][][] images) =>
        tensor(images.SelectMany(i => i.SelectMany(c => c.SelectMany(r => r))).Select(v => (float)v).ToArray(),
            [images.Length, images[0].Length, images[0][0].Length, images[0][0][0].Length]);

    [Theory]
    [InlineData(Odd)]
    [InlineData(Mnist)]
    public void Forward_matches_a_loop_implementation_of_section_9(string json)
    {
        var config = ConvNetConfig.FromJson(json);
        using var net = ConvNet.Create(config, seed: 3, CPU);
        var images = RandomImages(config, 2, seed: 5);
        using var scope = NewDisposeScope();
        var (logits, cache) = net.RunWithCache(ToTensor(images));

        for (var n = 0; n < images.Length; n++)
        {
            var reference = ReferenceConvForward.Run(net, images[n]);
            AssertClose(reference.Logits, TestModels.Flat(logits[n]));
            Assert.Equal(net.HookPoints.Select(p => p.ToString()).Order(), reference.Activations.Keys.Order());
            foreach (var point in net.HookPoints) AssertClose(reference.Activations[point.ToString()], TestModels.Flat(cache[point][n]));
        }
    }

    [Fact]
    public void Zero_ablation_matches_the_loop_implementation_with_those_channels_zeroed()
    {
        var config = ConvNetConfig.FromJson(Odd);
        using var net = ConvNet.Create(config, seed: 11, CPU);
        var images = RandomImages(config, 3, seed: 2);
        using var scope = NewDisposeScope();
        var logits = net.RunWithHooks(ToTensor(images), net.ZeroChannels("conv1", [0, 2]), net.ZeroChannels("fc1", [4]));

        for (var n = 0; n < images.Length; n++)
        {
            var reference = ReferenceConvForward.Run(net, images[n], new Dictionary<string, int[]> { ["conv1"] = [0, 2], ["fc1"] = [4] });
            AssertClose(reference.Logits, TestModels.Flat(logits[n]));
        }
        Assert.Throws<InvalidDataException>(() => net.ZeroChannels("conv2", [4]));
    }

    [Fact]
    public void Hook_points_are_the_named_layers_and_the_relus_after_them_in_order()
    {
        using var net = ConvNet.Create(ConvNetConfig.FromJson(Odd), seed: 0, CPU);

        Assert.Equal(["conv1", "conv1.relu", "conv2", "conv2.relu", "fc1", "fc1.relu", "fc2"], net.HookPoints.Select(p => p.ToString()));
        Assert.Equal(ConvHookPoint.Relu("conv2"), ConvHookPoint.Parse("conv2.relu"));
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => net.RunWithHooks(zeros(1, 2, 9, 7), (ConvHookPoint.Relu("fc2"), (x, _) => null)));
        Assert.Throws<ArgumentException>(() => net.RunWithHooks(zeros(1, 1, 9, 7)));
    }

    [Fact]
    public void A_saved_network_loads_back_with_the_same_weights_names_and_outputs()
    {
        var config = ConvNetConfig.FromJson(Odd);
        using var net = ConvNet.Create(config, seed: 9, CPU);
        var path = _temp.File("cnn.safetensors");
        ConvNetFile.Save(path, net);

        var header = SafetensorsFile.ReadHeader(path);
        Assert.Equal(["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"], header.Tensors.Select(t => t.Name));
        Assert.Equal([3L, 2, 3, 3], header.Find("conv1.weight")!.Shape);
        Assert.Equal([5L, 8], header.Find("fc1.weight")!.Shape);
        using (var doc = JsonDocument.Parse(header.Metadata["config"]))
        {
            Assert.Equal("cnn", doc.RootElement.GetProperty("kind").GetString());
            Assert.Equal([2, 9, 7], doc.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(["conv2d", "relu", "maxpool", "conv2d", "relu", "flatten", "linear", "relu", "linear"],
                doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("type").GetString()));
        }
        Assert.Equal(config.ToJson(), ConvNetFile.Inspect(path).ToJson());

        using var loaded = ConvNetFile.Load(path, CPU);
        foreach (var (name, tensor) in net.StateDict()) Assert.True(Same(tensor, loaded.Param(name)), name);
        using var scope = NewDisposeScope();
        var input = ToTensor(RandomImages(config, 2, seed: 4));
        Assert.True(Same(net.RunWithHooks(input), loaded.RunWithHooks(input)));
    }

    [Theory]
    [InlineData("""{"kind": "mlp", "input": [1, 4, 4], "layers": [{"type": "flatten"}]}""", "kind")]
    [InlineData("""{"kind": "cnn", "input": [4, 4], "layers": [{"type": "flatten"}]}""", "input")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": []}""", "layers")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"type": "softmax"}]}""", "softmax")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"type": "conv2d", "out": 2, "kernel": 3}, {"type": "flatten"}]}""", "name")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"name": "a", "type": "conv2d", "out": 2, "kernel": 3}, {"name": "a", "type": "conv2d", "out": 2, "kernel": 1}, {"type": "flatten"}]}""", "twice")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"name": "fc", "type": "linear", "out": 2}]}""", "flatten")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"name": "c", "type": "conv2d", "out": 2, "kernel": 7}, {"type": "flatten"}]}""", "larger")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"name": "c", "type": "conv2d", "out": 2, "kernel": 3}]}""", "last layer")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"type": "flatten", "dropout": 0.5}]}""", "dropout")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"type": "relu", "name": "r"}, {"type": "flatten"}]}""", "name")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"name": "c", "type": "conv2d", "out": 0, "kernel": 3}, {"type": "flatten"}]}""", "out")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"name": "x y", "type": "conv2d", "out": 2, "kernel": 3}, {"type": "flatten"}]}""", "name")]
    [InlineData("""{"kind": "cnn", "input": [1, 4, 4], "layers": [{"type": "flatten"}, {"name": "fc", "type": "linear", "out": 70000}]}""", "out")]
    [InlineData("not json", "not valid")]
    public void Malformed_configs_are_refused_with_the_fault_named(string json, string fault)
    {
        var e = Assert.Throws<InvalidDataException>(() => ConvNetConfig.FromJson(json));
        Assert.Contains(fault, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_disagrees_with_its_config_is_refused_from_its_header()
    {
        var config = ConvNetConfig.FromJson(Odd);
        using var net = ConvNet.Create(config, seed: 1, CPU);
        var metadata = new Dictionary<string, string> { ["config"] = config.ToJson() };
        string Write(string name, Action<Dictionary<string, Tensor>> change, Dictionary<string, string>? meta = null)
        {
            var tensors = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
            change(tensors);
            var path = _temp.File(name);
            SafetensorsFile.Save(path, tensors, meta ?? metadata);
            return path;
        }
        var cases = new (string Path, string Rule)[]
        {
            (Write("no-config.safetensors", _ => { }, new()), "config-missing"),
            (Write("bad-config.safetensors", _ => { }, new() { ["config"] = """{"kind": "cnn"}""" }), "config-invalid"),
            (Write("shape.safetensors", t => t["fc1.weight"] = zeros(5, 9)), "shape-mismatch"),
            (Write("missing.safetensors", t => t.Remove("conv2.bias")), "tensor-missing"),
            (Write("extra.safetensors", t => t["conv3.weight"] = zeros(1)), "tensor-unexpected"),
            (Write("int.safetensors", t => t["fc2.bias"] = zeros(new long[] { 3 }, ScalarType.Int32)), "dtype-not-float"),
            // A config that asks for a huge layer is refused by the real shapes before anything is allocated.
            (Write("huge.safetensors", _ => { }, new() { ["config"] = Odd.Replace("\"out\": 5", "\"out\": 60000", StringComparison.Ordinal) }), "shape-mismatch"),
        };
        foreach (var (path, rule) in cases)
        {
            var e = Assert.Throws<ModelFormatException>(() => ConvNetFile.Inspect(path));
            Assert.Equal(rule, e.Rule);
            Assert.Throws<ModelFormatException>(() => ConvNetFile.Load(path, CPU));
        }
    }

    [Fact]
    public void Receptive_fields_follow_the_layers_kernels_strides_and_padding()
    {
        var config = ConvNetConfig.FromJson(Mnist);

        Assert.Equal(new ReceptiveField(0, 1, 5), config.ReceptiveFieldOf("conv1"));
        Assert.Equal(new ReceptiveField(0.5, 2, 14), config.ReceptiveFieldOf("conv2"));
        Assert.Equal((7, 7), TuningCurves.MapCentre(config.Layer("conv2")));
        Assert.Equal((14.5, 14.5), TuningCurves.ReceptiveFieldCentre(config, "conv2"));
        Assert.Throws<InvalidDataException>(() => config.ReceptiveFieldOf("fc1"));
        Assert.Equal(10, config.Classes);
        Assert.Equal(8 * 25 + 8 + 16 * 8 * 25 + 16 + 784 * 64 + 64 + 64 * 10 + 10, config.ParameterCount);
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed_and_learns_a_simple_rule()
    {
        var config = ConvNetConfig.FromJson("""
            {"kind": "cnn", "input": [1, 8, 8], "layers": [{"name": "conv1", "type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
              {"type": "maxpool", "kernel": 2}, {"type": "flatten"}, {"name": "fc1", "type": "linear", "out": 2}]}
            """);
        // Class 1 when the top half is the brighter one.
        var random = new Random(1);
        var pixels = new byte[256 * 64];
        var labels = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            labels[i] = (byte)(i % 2);
            for (var p = 0; p < 64; p++) pixels[i * 64 + p] = (byte)random.Next((p < 32) == (labels[i] == 1) ? 128 : 0, (p < 32) == (labels[i] == 1) ? 256 : 128);
        }
        var images = new ImageSet(256, 8, 8, pixels);
        ConvNetTrainingResult Train(long seed) => ConvNetTraining.Train(new ConvNetTrainingOptions { Config = config, Epochs = 10, BatchSize = 32, Seed = seed, LearningRate = 1e-2 }, images, labels, device: CPU);

        var a = Train(7);
        var b = Train(7);
        var c = Train(8);
        using (a.Net) using (b.Net) using (c.Net)
        {
            foreach (var (name, tensor) in a.Net.StateDict()) Assert.True(Same(tensor, b.Net.Param(name)), name);
            Assert.False(Same(a.Net.Param("conv1.weight"), c.Net.Param("conv1.weight")));
            Assert.Equal(80, a.Steps);
            var predicted = UnitAblation.Predict(a.Net, images);
            Assert.True(predicted.Where((p, i) => p == labels[i]).Count() >= 250);
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
    }
}
