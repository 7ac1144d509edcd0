using Archive.Formats.SaeLens;
using System.Text.Json.Nodes;
using Archive.Engine.Saes;
using Archive.Engine.Safetensors;
using Xunit;
using static Archive.Engine.Tests.Saes.SaeTestData;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Saes;

public sealed class SaeLensFolderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sae-folder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(SaeLensConfig.Standard)]
    [InlineData(SaeLensConfig.TopK)]
    [InlineData(SaeLensConfig.JumpReLU)]
    public void Folder_round_trips_weights_config_and_sparsity(string architecture)
    {
        using var sae = Sae(architecture);
        var logSparsity = new[] { -1f, -2.5f, -0.25f };
        SaeLensFolder.Save(_folder, sae, logSparsity);

        Assert.True(File.Exists(Path.Combine(_folder, "cfg.json")));
        var header = SafetensorsFile.ReadHeader(Path.Combine(_folder, "sae_weights.safetensors"));
        var expectedNames = architecture == SaeLensConfig.JumpReLU
            ? new[] { "W_dec", "W_enc", "b_dec", "b_enc", "threshold" }
            : new[] { "W_dec", "W_enc", "b_dec", "b_enc" };
        Assert.Equal(expectedNames, header.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));

        using var loaded = SaeLensFolder.Load(_folder);
        Assert.Equal(logSparsity, loaded.LogSparsity);
        Assert.Equal(architecture, loaded.Sae.cfg.architecture);
        Assert.Equal(sae.cfg.k, loaded.Sae.cfg.k);
        Assert.Equal("blocks.1.hook_resid_post", loaded.Sae.cfg.hook_name);
        Assert.Equal(1, loaded.Sae.cfg.Layer);
        foreach (var (name, t) in sae.StateDict())
            Assert.Equal(Values(t), Values(loaded.Sae.StateDict()[name]));

        using var x = tensor(new float[,] { { 2, 1 }, { 0.3f, -2 } });
        Assert.Equal(Values(sae.forward(x)), Values(loaded.Sae.forward(x)));
    }

    [Fact]
    public void Config_is_written_with_flat_keys_and_metadata()
    {
        using var sae = Sae(SaeLensConfig.TopK);
        SaeLensFolder.Save(_folder, sae);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "cfg.json")))!.AsObject();

        Assert.Equal("topk", (string?)json["architecture"]);
        Assert.Equal(2, (int?)json["d_in"]);
        Assert.Equal(3, (int?)json["d_sae"]);
        Assert.Equal(2, (int?)json["k"]);
        Assert.Equal("float32", (string?)json["dtype"]);
        Assert.Equal(true, (bool?)json["apply_b_dec_to_input"]);
        Assert.Equal("none", (string?)json["normalize_activations"]);
        Assert.Equal("blocks.1.hook_resid_post", (string?)json["hook_name"]);
        Assert.Equal(1, (int?)json["hook_layer"]);
        Assert.Equal("toy-2l", (string?)json["model_name"]);
        Assert.Equal("blocks.1.hook_resid_post", (string?)json["metadata"]!["hook_name"]);
        Assert.False(File.Exists(Path.Combine(_folder, "sparsity.safetensors")));
    }

    [Fact]
    public void Misshapen_weight_is_rejected_naming_the_tensor()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "cfg.json"), Config(SaeLensConfig.Standard).ToJson());
        var weights = Weights(withThreshold: false);
        weights["W_dec"].Dispose();
        weights["W_dec"] = zeros(3, 5); // cfg says [d_sae = 3, d_in = 2]
        SafetensorsFile.Save(Path.Combine(_folder, "sae_weights.safetensors"), weights);

        var error = Assert.Throws<InvalidDataException>(() => SaeLensFolder.Load(_folder));
        Assert.Contains("'W_dec'", error.Message);
        Assert.Contains("[3, 5]", error.Message);
        Assert.Contains("[3, 2]", error.Message);
    }

    [Fact]
    public void Missing_and_unexpected_tensors_are_rejected_naming_them()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "cfg.json"), Config(SaeLensConfig.Standard).ToJson());
        var weights = Weights(withThreshold: false);
        weights.Remove("b_enc", out var removed);
        removed!.Dispose();
        SafetensorsFile.Save(Path.Combine(_folder, "sae_weights.safetensors"), weights);
        Assert.Contains("'b_enc'", Assert.Throws<InvalidDataException>(() => SaeLensFolder.Load(_folder)).Message);

        weights["b_enc"] = zeros(3);
        weights["W_gate"] = zeros(2, 3);
        SafetensorsFile.Save(Path.Combine(_folder, "sae_weights.safetensors"), weights);
        Assert.Contains("'W_gate'", Assert.Throws<InvalidDataException>(() => SaeLensFolder.Load(_folder)).Message);
    }

    [Fact]
    public void Sparsity_of_the_wrong_length_is_rejected()
    {
        using var sae = Sae(SaeLensConfig.Standard);
        SaeLensFolder.Save(_folder, sae);
        using var wrong = zeros(4);
        SafetensorsFile.Save(Path.Combine(_folder, "sparsity.safetensors"), new Dictionary<string, Tensor> { ["sparsity"] = wrong });
        Assert.Contains("'sparsity'", Assert.Throws<InvalidDataException>(() => SaeLensFolder.Load(_folder)).Message);
    }

    [Fact]
    public void Reads_a_pre_6_SAELens_config()
    {
        // Keys as SAELens 3-5 wrote them (e.g. the gpt2-small res-jb release), TopK expressed through activation_fn.
        const string json = """
            {"model_name": "gpt2-small", "hook_point": "blocks.8.hook_resid_pre", "hook_point_layer": 8,
             "hook_point_head_index": null, "d_in": 768, "d_sae": 24576, "dtype": "torch.float32",
             "device": "cuda", "context_size": 128, "normalize_activations": false, "activation_fn_str": "topk",
             "activation_fn_kwargs": {"k": 32}, "prepend_bos": true, "dataset_path": "Skylion007/openwebtext",
             "sae_lens_training_version": "3.0.0", "lr": 0.0004}
            """;
        var cfg = SaeLensConfig.FromJson(json);
        Assert.Equal("topk", cfg.architecture);
        Assert.Equal(32, cfg.k);
        Assert.Equal("blocks.8.hook_resid_pre", cfg.hook_name);
        Assert.Equal(8, cfg.hook_layer);
        Assert.Equal("none", cfg.normalize_activations);
        Assert.True(cfg.apply_b_dec_to_input);
        Assert.Equal(128, cfg.context_size);
        Assert.Equal(0.0004, (double)cfg.extra["lr"]!);
        // Unknown keys survive a write.
        Assert.Equal(0.0004, (double)SaeLensConfig.FromJson(cfg.ToJson()).extra["lr"]!);
    }

    [Fact]
    public void Reads_a_SAELens_6_config_with_metadata()
    {
        const string json = """
            {"d_in": 2304, "d_sae": 16384, "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": false,
             "normalize_activations": "none", "reshape_activations": "none", "architecture": "jumprelu",
             "metadata": {"sae_lens_version": "6.5.1", "model_name": "gemma-2-2b", "hook_name": "blocks.12.hook_resid_post",
                          "hook_head_index": null, "context_size": 1024, "prepend_bos": true, "neuronpedia_id": "gemma-2-2b/12-gemmascope-res-16k"}}
            """;
        var cfg = SaeLensConfig.FromJson(json);
        Assert.Equal("jumprelu", cfg.architecture);
        Assert.False(cfg.apply_b_dec_to_input);
        Assert.Equal("gemma-2-2b", cfg.model_name);
        Assert.Equal("blocks.12.hook_resid_post", cfg.hook_name);
        Assert.Null(cfg.hook_layer);
        Assert.Equal(12, cfg.Layer);
        Assert.Equal("6.5.1", cfg.sae_lens_version);
    }

    [Theory]
    [InlineData("""{"d_in": 2, "d_sae": 3, "architecture": "gated"}""", "'architecture'")]
    [InlineData("""{"d_in": 2, "d_sae": 3, "architecture": "topk"}""", "'k'")]
    [InlineData("""{"d_in": 2, "d_sae": 3, "architecture": "topk", "k": 4}""", "'k'")]
    [InlineData("""{"d_sae": 3}""", "'d_in'")]
    [InlineData("""{"d_in": "two", "d_sae": 3}""", "'d_in'")]
    [InlineData("""{"d_in": 2, "d_sae": 3, "dtype": "int8"}""", "'dtype'")]
    [InlineData("""{"d_in": 2, "d_sae": 3, "normalize_activations": "whiten"}""", "'normalize_activations'")]
    [InlineData("""[1, 2]""", "JSON object")]
    public void Bad_config_is_rejected_naming_the_key(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => SaeLensConfig.FromJson(json));
        Assert.Contains(expected, error.Message);
    }

    /// <summary>
    /// The loaders' rules, as read in SAELens 5.11 (<c>SAEConfig.from_dict</c>: these keys have no default, so a missing
    /// one is a TypeError; the activation comes from <c>activation_fn_str</c>/<c>activation_fn_kwargs</c>) and 6.x
    /// (<c>handle_config_defaulting</c>: a cfg whose <c>metadata.sae_lens_version</c> is ≥ 6 is read as a 6.x config,
    /// which needs <c>architecture</c> and, for TopK, <c>k</c>).
    /// </summary>
    [Theory]
    [InlineData(SaeLensConfig.Standard, "relu", null)]
    [InlineData(SaeLensConfig.TopK, "topk", 16)]
    [InlineData(SaeLensConfig.JumpReLU, "relu", null)]
    public void A_written_cfg_has_what_SAELens_5_and_6_each_need_to_load_the_same_SAE(string architecture, string activation, int? k)
    {
        var written = new SaeLensConfig { architecture = architecture, d_in = 128, d_sae = 1024, k = k, hook_name = "blocks.0.hook_resid_post", model_name = "m" };

        var cfg = System.Text.Json.Nodes.JsonNode.Parse(written.ToJson())!.AsObject();

        foreach (var key in new[] { "d_in", "d_sae", "dtype", "context_size", "model_name", "hook_name", "hook_layer", "hook_head_index", "dataset_path" })
            Assert.True(cfg.ContainsKey(key), $"SAELens 5 needs top-level '{key}'");
        Assert.Equal(activation, (string?)cfg["activation_fn_str"]);
        Assert.Equal(k, (int?)cfg["activation_fn_kwargs"]?["k"]);
        Assert.Equal(0, (int)cfg["hook_layer"]!);
        Assert.False(cfg.ContainsKey("sae_lens_version"), "a top-level version would be passed to SAELens 5's dataclass");
        Assert.StartsWith("6.", (string?)cfg["metadata"]!["sae_lens_version"]);
        Assert.Equal(architecture, (string?)cfg["architecture"]);
        Assert.Equal(k, (int?)cfg["k"]);
        Assert.Equal("blocks.0.hook_resid_post", (string?)cfg["metadata"]!["hook_name"]);

        var reread = SaeLensConfig.FromJson(written.ToJson());
        Assert.Equal((architecture, k, "blocks.0.hook_resid_post"), (reread.architecture, reread.k, reread.hook_name));
    }
}
