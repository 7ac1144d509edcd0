using System.Text.RegularExpressions;
using Archive.Formats.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Engine.Models;

/// <summary>
/// Converts a Hugging Face GPT-2 state dict (Conv1D layouts: <c>c_attn.weight</c> is [d_model, 3·d_model], input
/// dimension first) to TransformerLens parameters exactly as TransformerLens's <c>convert_gpt2_weights</c> does, and
/// back. Every step is a split, a reshape or a transpose, so a round trip restores the original bytes.
/// Returned tensors are new contiguous tensors owned by the caller; the inputs are not modified.
/// </summary>
public static partial class Gpt2Checkpoint
{
    private const string HfPrefix = "transformer.";

    /// <summary>
    /// Converts to TransformerLens names. When <paramref name="cfg"/> is null it is inferred from the shapes, which
    /// cannot tell the head count: pass <paramref name="nHeads"/> then (12 for GPT-2 small).
    /// </summary>
    public static (HookedTransformerConfig Config, Dictionary<string, Tensor> StateDict) ToTransformerLens(
        IReadOnlyDictionary<string, Tensor> hf, HookedTransformerConfig? cfg = null, int? nHeads = null)
    {
        var sd = StripPrefix(hf);
        cfg ??= InferConfig(sd, nHeads ?? throw new ArgumentException("Pass nHeads (or a config): the head count is not in the tensor shapes.", nameof(nHeads)));
        CheckHf(sd, cfg);

        int d_model = cfg.d_model, n_heads = cfg.n_heads, d_head = cfg.d_head;
        var tl = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var scope = torch.NewDisposeScope())
        {
            void Put(string name, Tensor value) => tl[name] = value.contiguous().clone().MoveToOuterDisposeScope();

            Put("embed.W_E", sd["wte.weight"]);                                        // [d_vocab, d_model]
            Put("pos_embed.W_pos", sd["wpe.weight"].narrow(0, 0, cfg.n_ctx));          // [n_ctx, d_model], trimmed as TL does
            for (var l = 0; l < cfg.n_layers; l++)
            {
                string h = $"h.{l}.", b = $"blocks.{l}.";
                Put(b + "ln1.w", sd[h + "ln_1.weight"]);
                Put(b + "ln1.b", sd[h + "ln_1.bias"]);

                // c_attn output is concat([q, k, v]); within each, "m (i h) -> i m h".
                var qkv = sd[h + "attn.c_attn.weight"].split(d_model, dim: 1);        // 3 × [d_model, d_model]
                string[] w = ["W_Q", "W_K", "W_V"], bias = ["b_Q", "b_K", "b_V"];
                var qkvBias = sd[h + "attn.c_attn.bias"].view(3, n_heads, d_head);     // [3, n_heads, d_head]
                for (var i = 0; i < 3; i++)
                {
                    Put(b + "attn." + w[i], qkv[i].reshape(d_model, n_heads, d_head).permute(1, 0, 2)); // [n_heads, d_model, d_head]
                    Put(b + "attn." + bias[i], qkvBias[i]);                                            // [n_heads, d_head]
                }
                Put(b + "attn.W_O", sd[h + "attn.c_proj.weight"].reshape(n_heads, d_head, d_model)); // "(i h) m -> i h m"
                Put(b + "attn.b_O", sd[h + "attn.c_proj.bias"]);

                Put(b + "ln2.w", sd[h + "ln_2.weight"]);
                Put(b + "ln2.b", sd[h + "ln_2.bias"]);
                Put(b + "mlp.W_in", sd[h + "mlp.c_fc.weight"]);                        // [d_model, d_mlp]
                Put(b + "mlp.b_in", sd[h + "mlp.c_fc.bias"]);
                Put(b + "mlp.W_out", sd[h + "mlp.c_proj.weight"]);                     // [d_mlp, d_model]
                Put(b + "mlp.b_out", sd[h + "mlp.c_proj.bias"]);
            }
            Put("ln_final.w", sd["ln_f.weight"]);
            Put("ln_final.b", sd["ln_f.bias"]);

            // GPT-2 ties lm_head to wte; TransformerLens reads lm_head.weight.T and leaves b_U at zero.
            var unembed = sd.TryGetValue("lm_head.weight", out var lmHead) ? lmHead : sd["wte.weight"];
            Put("unembed.W_U", unembed.t());                                           // [d_model, d_vocab]
            Put("unembed.b_U", torch.zeros(cfg.d_vocab, unembed.dtype, unembed.device));
        }
        return (cfg, tl);
    }

    /// <summary>
    /// Exports TransformerLens parameters to Hugging Face GPT-2 names and layouts. <c>lm_head.weight</c> is written
    /// only when W_U is not exactly wte transposed (GPT-2 checkpoints store it tied, so not at all).
    /// <paramref name="prefix"/> is put before every transformer name (<c>"transformer."</c> for GPT2LMHeadModel).
    /// </summary>
    public static Dictionary<string, Tensor> FromTransformerLens(IReadOnlyDictionary<string, Tensor> tl, HookedTransformerConfig cfg, string prefix = "")
    {
        if (cfg.normalization_type != "LN" || cfg.attn_only || cfg.d_model != cfg.n_heads * cfg.d_head)
            throw new ModelFormatException("gpt2-incompatible", null, "GPT-2 needs LayerNorm, MLPs and d_model = n_heads · d_head.");
        TransformerLensParameters.Check(cfg, tl.Select(kv => (kv.Key, kv.Value.shape)));
        using (var nonzero = tl["unembed.b_U"].count_nonzero())
        {
            if (nonzero.item<long>() != 0)
                throw new ModelFormatException("gpt2-incompatible", "unembed.b_U", "GPT-2 has no unembedding bias, but b_U is not zero.");
        }

        int d_model = cfg.d_model;
        var hf = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var scope = torch.NewDisposeScope())
        {
            void Put(string name, Tensor value) => hf[name] = value.contiguous().clone().MoveToOuterDisposeScope();

            Put(prefix + "wte.weight", tl["embed.W_E"]);
            Put(prefix + "wpe.weight", tl["pos_embed.W_pos"]);
            for (var l = 0; l < cfg.n_layers; l++)
            {
                string h = $"{prefix}h.{l}.", b = $"blocks.{l}.";
                Put(h + "ln_1.weight", tl[b + "ln1.w"]);
                Put(h + "ln_1.bias", tl[b + "ln1.b"]);
                // "i m h -> m (i h)" for each of Q, K, V, then concatenated along the output dimension.
                var w = new[] { "W_Q", "W_K", "W_V" }.Select(n => tl[b + "attn." + n].permute(1, 0, 2).reshape(d_model, d_model));
                Put(h + "attn.c_attn.weight", torch.cat(w.ToArray(), dim: 1));         // [d_model, 3·d_model]
                var bias = new[] { "b_Q", "b_K", "b_V" }.Select(n => tl[b + "attn." + n].reshape(d_model));
                Put(h + "attn.c_attn.bias", torch.cat(bias.ToArray(), dim: 0));        // [3·d_model]
                Put(h + "attn.c_proj.weight", tl[b + "attn.W_O"].reshape(d_model, d_model));
                Put(h + "attn.c_proj.bias", tl[b + "attn.b_O"]);
                Put(h + "ln_2.weight", tl[b + "ln2.w"]);
                Put(h + "ln_2.bias", tl[b + "ln2.b"]);
                Put(h + "mlp.c_fc.weight", tl[b + "mlp.W_in"]);
                Put(h + "mlp.c_fc.bias", tl[b + "mlp.b_in"]);
                Put(h + "mlp.c_proj.weight", tl[b + "mlp.W_out"]);
                Put(h + "mlp.c_proj.bias", tl[b + "mlp.b_out"]);
            }
            Put(prefix + "ln_f.weight", tl["ln_final.w"]);
            Put(prefix + "ln_f.bias", tl["ln_final.b"]);

            var wU = tl["unembed.W_U"].t();
            if (!wU.Equals(tl["embed.W_E"])) Put("lm_head.weight", wU);           // untied: [d_vocab, d_model]
        }
        return hf;
    }

    /// <summary>A GPT-2 config from the checkpoint's shapes (gelu_new, LayerNorm, as GPT-2 is built).</summary>
    public static HookedTransformerConfig InferConfig(IReadOnlyDictionary<string, Tensor> hf, int nHeads)
    {
        var sd = StripPrefix(hf);
        Tensor Need(string name) => sd.TryGetValue(name, out var t) ? t
            : throw new ModelFormatException("tensor-missing", name, "a GPT-2 checkpoint needs it.");
        var wte = Need("wte.weight");
        var wpe = Need("wpe.weight");
        var cFc = Need("h.0.mlp.c_fc.weight");
        if (wte.ndim != 2) throw new ModelFormatException("shape-mismatch", "wte.weight", "it must be [d_vocab, d_model].");
        if (wpe.ndim != 2) throw new ModelFormatException("shape-mismatch", "wpe.weight", "it must be [n_ctx, d_model].");
        if (cFc.ndim != 2) throw new ModelFormatException("shape-mismatch", "h.0.mlp.c_fc.weight", "it must be [d_model, d_mlp].");
        int d_model = (int)wte.shape[1];
        if (nHeads <= 0 || d_model % nHeads != 0)
            throw new ArgumentException($"nHeads {nHeads} does not divide d_model {d_model}.", nameof(nHeads));

        // Count consecutive layers from 0 rather than trusting the largest index in a name: a stray "h.999999."
        // then fails the name check as unexpected instead of asking for a million missing layers.
        var nLayers = 0;
        while (sd.ContainsKey($"h.{nLayers}.ln_1.weight")) nLayers++;
        return new HookedTransformerConfig
        {
            n_layers = nLayers,
            d_model = d_model,
            n_heads = nHeads,
            d_head = d_model / nHeads,
            d_mlp = (int)cFc.shape[1],
            d_vocab = (int)wte.shape[0],
            n_ctx = (int)wpe.shape[0],
            act_fn = "gelu_new",
            normalization_type = "LN",
            attn_only = false,
            positional_embedding_type = "standard",
        };
    }

    /// <summary>
    /// The checkpoint must hold exactly GPT-2's parameters with this config's shapes (attention-mask buffers and a
    /// tied lm_head aside), so a wrong file fails here naming the tensor, not deep inside a reshape.
    /// </summary>
    private static void CheckHf(Dictionary<string, Tensor> sd, HookedTransformerConfig cfg)
    {
        cfg.Validate();
        if (cfg.normalization_type != "LN" || cfg.attn_only || cfg.d_model != cfg.n_heads * cfg.d_head || cfg.d_mlp is null)
            throw new ModelFormatException("gpt2-incompatible", null, "GPT-2 needs LayerNorm, MLPs and d_model = n_heads · d_head.");

        long d = cfg.d_model, m = cfg.d_mlp.Value;
        var expected = new List<(string, long[])> { ("wte.weight", [cfg.d_vocab, d]), ("ln_f.weight", [d]), ("ln_f.bias", [d]) };
        for (var l = 0; l < cfg.n_layers; l++)
        {
            var h = $"h.{l}.";
            expected.AddRange([
                (h + "ln_1.weight", [d]), (h + "ln_1.bias", [d]), (h + "ln_2.weight", [d]), (h + "ln_2.bias", [d]),
                (h + "attn.c_attn.weight", [d, 3 * d]), (h + "attn.c_attn.bias", [3 * d]),
                (h + "attn.c_proj.weight", [d, d]), (h + "attn.c_proj.bias", [d]),
                (h + "mlp.c_fc.weight", [d, m]), (h + "mlp.c_fc.bias", [m]),
                (h + "mlp.c_proj.weight", [m, d]), (h + "mlp.c_proj.bias", [d]),
            ]);
        }
        if (sd.TryGetValue("lm_head.weight", out _)) expected.Add(("lm_head.weight", [cfg.d_vocab, d]));

        foreach (var (name, shape) in expected)
        {
            if (!sd.TryGetValue(name, out var t))
                throw new ModelFormatException("tensor-missing", name, "a GPT-2 checkpoint of this config needs it.");
            if (!t.shape.AsSpan().SequenceEqual(shape))
                throw new ModelFormatException("shape-mismatch", name, $"shape is {TransformerLensParameters.Show(t.shape)}; expected {TransformerLensParameters.Show(shape)}.");
        }
        if (!sd.TryGetValue("wpe.weight", out var wpe))
            throw new ModelFormatException("tensor-missing", "wpe.weight", "a GPT-2 checkpoint needs it.");
        if (wpe.ndim != 2 || wpe.shape[0] < cfg.n_ctx || wpe.shape[1] != d)
            throw new ModelFormatException("shape-mismatch", "wpe.weight", $"shape is {TransformerLensParameters.Show(wpe.shape)}; expected at least [{cfg.n_ctx}, {d}].");

        var names = expected.Select(e => e.Item1).Append("wpe.weight").ToHashSet(StringComparer.Ordinal);
        foreach (var name in sd.Keys.Order(StringComparer.Ordinal))
        {
            if (!names.Contains(name) && !MaskBuffer().IsMatch(name))
                throw new ModelFormatException("tensor-unexpected", name, "it is not a GPT-2 parameter of this config.");
        }
    }

    /// <summary>GPT2LMHeadModel saves <c>transformer.h.0...</c>; GPT2Model saves <c>h.0...</c>. Work without the prefix.</summary>
    private static Dictionary<string, Tensor> StripPrefix(IReadOnlyDictionary<string, Tensor> hf)
    {
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in hf)
        {
            var key = name.StartsWith(HfPrefix, StringComparison.Ordinal) ? name[HfPrefix.Length..] : name;
            if (!sd.TryAdd(key, tensor))
                throw new ModelFormatException("duplicate-key", key, "it appears both with and without the 'transformer.' prefix.");
        }
        return sd;
    }

    // Causal-mask buffers some checkpoints carry; they are not parameters (TransformerLens ignores them too).
    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex MaskBuffer();
}
