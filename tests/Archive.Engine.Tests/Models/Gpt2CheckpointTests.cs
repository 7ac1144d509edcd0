using Archive.Engine.Models;
using Archive.Engine.Safetensors;
using Archive.Engine.Tests.Safetensors;
using Archive.Formats.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Models;

public sealed class Gpt2CheckpointTests : IDisposable
{
    private const int Layers = 2, DModel = 8, Heads = 2, DHead = 4, DMlp = 32, Vocab = 11, Ctx = 6;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A Hugging Face GPT-2 state dict with GPT2Model names and Conv1D layouts, random values.</summary>
    private static Dictionary<string, Tensor> HfCheckpoint(string prefix = "", bool withMaskBuffers = false)
    {
        torch.manual_seed(7);
        var sd = new Dictionary<string, Tensor>
        {
            [prefix + "wte.weight"] = torch.randn(Vocab, DModel),
            [prefix + "wpe.weight"] = torch.randn(Ctx, DModel),
            [prefix + "ln_f.weight"] = torch.randn(DModel),
            [prefix + "ln_f.bias"] = torch.randn(DModel),
        };
        for (var l = 0; l < Layers; l++)
        {
            var h = $"{prefix}h.{l}.";
            sd[h + "ln_1.weight"] = torch.randn(DModel);
            sd[h + "ln_1.bias"] = torch.randn(DModel);
            sd[h + "attn.c_attn.weight"] = torch.randn(DModel, 3 * DModel);
            sd[h + "attn.c_attn.bias"] = torch.randn(3 * DModel);
            sd[h + "attn.c_proj.weight"] = torch.randn(DModel, DModel);
            sd[h + "attn.c_proj.bias"] = torch.randn(DModel);
            sd[h + "ln_2.weight"] = torch.randn(DModel);
            sd[h + "ln_2.bias"] = torch.randn(DModel);
            sd[h + "mlp.c_fc.weight"] = torch.randn(DModel, DMlp);
            sd[h + "mlp.c_fc.bias"] = torch.randn(DMlp);
            sd[h + "mlp.c_proj.weight"] = torch.randn(DMlp, DModel);
            sd[h + "mlp.c_proj.bias"] = torch.randn(DModel);
            if (withMaskBuffers)
            {
                sd[h + "attn.bias"] = torch.ones(Ctx, Ctx).tril().view(1, 1, Ctx, Ctx);
                sd[h + "attn.masked_bias"] = torch.tensor(-1e4f);
            }
        }
        return sd;
    }

    [Fact]
    public void Import_then_export_restores_the_original_file_byte_for_byte()
    {
        var original = _temp.File("gpt2.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        SafetensorsFile.Save(original, HfCheckpoint(), metadata);
        var hf = SafetensorsFile.Load(original);

        var (cfg, tl) = Gpt2Checkpoint.ToTransformerLens(hf, nHeads: Heads);
        var exported = Gpt2Checkpoint.FromTransformerLens(tl, cfg);
        var again = _temp.File("again.safetensors");
        SafetensorsFile.Save(again, exported, metadata);

        Assert.Equal(hf.Keys.Order(), exported.Keys.Order());
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(again));
    }

    [Fact]
    public void Inferred_config_matches_the_checkpoint_shapes()
    {
        var (cfg, tl) = Gpt2Checkpoint.ToTransformerLens(HfCheckpoint(), nHeads: Heads);

        Assert.Equal((Layers, DModel, Heads, DHead, DMlp, Vocab, Ctx), (cfg.n_layers, cfg.d_model, cfg.n_heads, cfg.d_head, cfg.d_mlp, cfg.d_vocab, cfg.n_ctx));
        Assert.Equal(("gelu_new", "LN", false), (cfg.act_fn, cfg.normalization_type, cfg.attn_only));
        TransformerLensParameters.Check(cfg, tl.Select(kv => (kv.Key, kv.Value.shape)));
    }

    [Fact]
    public void Converted_Q_K_V_O_are_the_right_columns_and_rows_of_c_attn_and_c_proj()
    {
        var hf = HfCheckpoint();
        var (_, tl) = Gpt2Checkpoint.ToTransformerLens(hf, nHeads: Heads);

        for (var l = 0; l < Layers; l++)
        {
            var cAttn = hf[$"h.{l}.attn.c_attn.weight"];   // [d_model, 3·d_model]: q | k | v, heads consecutive
            var cAttnBias = hf[$"h.{l}.attn.c_attn.bias"];
            var cProj = hf[$"h.{l}.attn.c_proj.weight"];   // [(head, d_head), d_model]
            string[] w = ["W_Q", "W_K", "W_V"], b = ["b_Q", "b_K", "b_V"];
            for (var part = 0; part < 3; part++)
            {
                for (var head = 0; head < Heads; head++)
                {
                    var column = part * DModel + head * DHead;
                    Assert.True(tl[$"blocks.{l}.attn.{w[part]}"][head].Equals(cAttn[.., column..(column + DHead)]), $"{w[part]} head {head}");
                    Assert.True(tl[$"blocks.{l}.attn.{b[part]}"][head].Equals(cAttnBias[column..(column + DHead)]), $"{b[part]} head {head}");
                }
            }
            for (var head = 0; head < Heads; head++)
                Assert.True(tl[$"blocks.{l}.attn.W_O"][head].Equals(cProj[(head * DHead)..((head + 1) * DHead)]), $"W_O head {head}");
        }
        Assert.True(tl["unembed.W_U"].Equals(hf["wte.weight"].t()));
        Assert.Equal(0, tl["unembed.b_U"].count_nonzero().item<long>());
        Assert.True(tl["blocks.1.mlp.W_in"].Equals(hf["h.1.mlp.c_fc.weight"]));
    }

    [Fact]
    public void Prefixed_checkpoints_with_mask_buffers_import_and_export_with_the_prefix()
    {
        var hf = HfCheckpoint("transformer.", withMaskBuffers: true);

        var (cfg, tl) = Gpt2Checkpoint.ToTransformerLens(hf, nHeads: Heads);
        var exported = Gpt2Checkpoint.FromTransformerLens(tl, cfg, prefix: "transformer.");

        var parameters = hf.Where(kv => !kv.Key.EndsWith(".attn.bias") && !kv.Key.EndsWith(".attn.masked_bias")).ToList();
        Assert.Equal(parameters.Select(kv => kv.Key).Order(), exported.Keys.Order());
        Assert.All(parameters, kv => Assert.Equal(kv.Value.bytes.ToArray(), exported[kv.Key].bytes.ToArray()));
    }

    [Fact]
    public void Untied_unembedding_is_read_from_lm_head_and_exported_back_to_it()
    {
        var hf = HfCheckpoint();
        hf["lm_head.weight"] = torch.randn(Vocab, DModel);

        var (cfg, tl) = Gpt2Checkpoint.ToTransformerLens(hf, nHeads: Heads);
        var exported = Gpt2Checkpoint.FromTransformerLens(tl, cfg);

        Assert.True(tl["unembed.W_U"].Equals(hf["lm_head.weight"].t()));
        Assert.True(exported["lm_head.weight"].Equals(hf["lm_head.weight"]));
    }

    [Fact]
    public void Converted_checkpoint_saves_and_loads_as_a_model_file()
    {
        var (cfg, tl) = Gpt2Checkpoint.ToTransformerLens(HfCheckpoint(), nHeads: Heads);
        var path = _temp.File("model.safetensors");

        ModelFile.Save(path, cfg, tl);
        using var model = ModelFile.Load(path);

        Assert.Equal(cfg, model.Config);
        Assert.True(model.StateDict["blocks.0.attn.W_V"].Equals(tl["blocks.0.attn.W_V"]));
    }

    [Fact]
    public void Checkpoint_missing_a_tensor_or_with_a_wrong_shape_is_rejected_naming_it()
    {
        var missing = HfCheckpoint();
        missing.Remove("h.1.mlp.c_fc.bias");
        var wrong = HfCheckpoint();
        wrong["h.0.attn.c_attn.weight"] = torch.randn(3 * DModel, DModel); // nn.Linear layout, not Conv1D

        var e1 = Assert.Throws<ModelFormatException>(() => Gpt2Checkpoint.ToTransformerLens(missing, nHeads: Heads));
        var e2 = Assert.Throws<ModelFormatException>(() => Gpt2Checkpoint.ToTransformerLens(wrong, nHeads: Heads));

        Assert.Equal(("tensor-missing", "h.1.mlp.c_fc.bias"), (e1.Rule, e1.TensorName));
        Assert.Equal(("shape-mismatch", "h.0.attn.c_attn.weight"), (e2.Rule, e2.TensorName));
        Assert.Throws<ArgumentException>(() => Gpt2Checkpoint.ToTransformerLens(HfCheckpoint()));
    }

    [Fact]
    public void Checkpoint_with_a_stray_layer_name_is_rejected_as_unexpected()
    {
        var stray = HfCheckpoint();
        stray["h.99999999999.ln_1.weight"] = torch.zeros(DModel);

        var error = Assert.Throws<ModelFormatException>(() => Gpt2Checkpoint.ToTransformerLens(stray, nHeads: Heads));

        Assert.Equal(("tensor-unexpected", "h.99999999999.ln_1.weight"), (error.Rule, error.TensorName));
    }
}
