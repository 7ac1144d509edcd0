using Archive.Engine.Models;
using Archive.Engine.Safetensors;
using Archive.Engine.Tests.Safetensors;
using Archive.Formats.Models;
using Archive.Formats.Safetensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Models;

public sealed class ModelFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    internal static readonly HookedTransformerConfig Tiny = new()
    {
        n_layers = 2, d_model = 4, n_heads = 2, d_head = 2, d_mlp = 8, d_vocab = 5, n_ctx = 3,
        act_fn = "gelu", normalization_type = "LN",
    };

    internal static Dictionary<string, Tensor> RandomStateDict(HookedTransformerConfig cfg) =>
        TransformerLensParameters.Expected(cfg).ToDictionary(p => p.Name, p => torch.randn(p.Shape));

    [Fact]
    public void Expected_parameters_follow_the_TransformerLens_table()
    {
        var expected = TransformerLensParameters.Expected(Tiny).ToDictionary(p => p.Name, p => p.Shape);

        Assert.Equal(2 + 2 * 16 + 2 + 2, expected.Count);
        Assert.Equal([5L, 4L], expected["embed.W_E"]);
        Assert.Equal([3L, 4L], expected["pos_embed.W_pos"]);
        Assert.Equal([2L, 4L, 2L], expected["blocks.1.attn.W_Q"]);
        Assert.Equal([2L, 2L], expected["blocks.1.attn.b_V"]);
        Assert.Equal([2L, 2L, 4L], expected["blocks.0.attn.W_O"]);
        Assert.Equal([4L, 8L], expected["blocks.0.mlp.W_in"]);
        Assert.Equal([8L, 4L], expected["blocks.0.mlp.W_out"]);
        Assert.Equal([4L, 5L], expected["unembed.W_U"]);
        Assert.Equal([5L], expected["unembed.b_U"]);
    }

    [Fact]
    public void Attention_only_and_unnormalized_models_drop_the_mlp_and_layer_norm_parameters()
    {
        var attnOnly = TransformerLensParameters.Expected(Tiny with { attn_only = true, d_mlp = null }).Select(p => p.Name).ToList();
        var noLn = TransformerLensParameters.Expected(Tiny with { normalization_type = null }).Select(p => p.Name).ToList();

        Assert.DoesNotContain(attnOnly, n => n.Contains(".mlp.") || n.Contains(".ln2."));
        Assert.Contains("blocks.0.ln1.w", attnOnly);
        Assert.DoesNotContain(noLn, n => n.Contains("ln"));
    }

    [Fact]
    public void Saved_model_loads_with_its_config_tensors_and_hash()
    {
        var stateDict = RandomStateDict(Tiny);
        var path = _temp.File("tiny.safetensors");

        ModelFile.Save(path, Tiny, stateDict, new Dictionary<string, string> { ["source"] = "test" });
        using var model = ModelFile.Load(path);

        Assert.Equal(Tiny, model.Config);
        Assert.Equal("test", model.Metadata["source"]);
        Assert.Equal(new FileInfo(path).Length, model.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), model.Sha256);
        Assert.Equal(stateDict.Keys.Order(), model.StateDict.Keys.Order());
        Assert.All(stateDict, kv => Assert.True(kv.Value.Equals(model.StateDict[kv.Key]), kv.Key));
        Assert.Equal(Tiny, ModelFile.Inspect(path));
    }

    [Theory]
    [InlineData("missing", "tensor-missing", "blocks.1.attn.W_K")]
    [InlineData("wrong shape", "shape-mismatch", "blocks.0.mlp.W_in")]
    [InlineData("unexpected", "tensor-unexpected", "blocks.0.attn.extra")]
    [InlineData("integer", "dtype-not-float", "unembed.b_U")]
    public void Model_with_a_bad_tensor_is_rejected_naming_it(string fault, string rule, string tensor)
    {
        var stateDict = RandomStateDict(Tiny);
        switch (fault)
        {
            case "missing": stateDict.Remove(tensor); break;
            case "wrong shape": stateDict[tensor] = torch.randn(8, 4); break;
            case "unexpected": stateDict[tensor] = torch.zeros(1); break;
            case "integer": stateDict[tensor] = torch.zeros(5, dtype: ScalarType.Int64); break;
        }
        var path = _temp.File("bad.safetensors");
        SafetensorsFile.Save(path, stateDict, new Dictionary<string, string> { [TransformerFileHeader.ConfigKey] = Tiny.ToJson() });

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));

        Assert.Equal(rule, error.Rule);
        Assert.Equal(tensor, error.TensorName);
        Assert.Contains(tensor, error.Message);
        // Save refuses the same state dict, so a bad model file is never written by us.
        Assert.Throws<ModelFormatException>(() => ModelFile.Save(_temp.File("never.safetensors"), Tiny, stateDict));
    }

    [Theory]
    [InlineData(null, "config-missing", null)]
    [InlineData("not json", "config-invalid", null)]
    [InlineData("{\"n_layers\":2}", "config-invalid", "d_model")]
    [InlineData("{\"n_layers\":2,\"d_model\":4,\"n_heads\":0,\"d_head\":2,\"d_mlp\":8,\"d_vocab\":5,\"n_ctx\":3,\"act_fn\":\"gelu\",\"normalization_type\":\"LN\"}", "config-invalid", "n_heads")]
    [InlineData("{\"n_layers\":2,\"d_model\":4,\"n_heads\":2,\"d_head\":2,\"d_mlp\":8,\"d_vocab\":5,\"n_ctx\":3,\"act_fn\":\"swish\",\"normalization_type\":\"LN\"}", "config-invalid", "act_fn")]
    public void Model_with_a_bad_config_is_rejected_naming_the_key(string? configJson, string rule, string? key)
    {
        var metadata = new Dictionary<string, string>();
        if (configJson is not null) metadata[TransformerFileHeader.ConfigKey] = configJson;
        var path = _temp.File("bad-config.safetensors");
        SafetensorsFile.Save(path, RandomStateDict(Tiny), metadata);

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));

        Assert.Equal(rule, error.Rule);
        if (key is not null) Assert.Contains(key, error.Message);
    }

    [Fact]
    public void A_corrupt_container_surfaces_as_SafetensorsFormatException()
    {
        var path = _temp.Write("short.safetensors", [1, 2, 3]);

        var error = Assert.Throws<SafetensorsFormatException>(() => ModelFile.Load(path));

        Assert.Equal("file-too-short", error.Rule);
    }
}
