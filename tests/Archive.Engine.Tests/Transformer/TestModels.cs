using Archive.Engine.Transformer;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Transformer;

/// <summary>Small configs and helpers shared by the transformer and methods tests (all on the CPU).</summary>
internal static class TestModels
{
    public static HookedTransformerConfig Config(int layers = 2, bool attnOnly = false, string? norm = "LN", string act = "gelu_new",
        int d_model = 16, int heads = 2, int d_head = 4, int vocab = 23, int ctx = 24, int d_mlp = 32) => new()
    {
        n_layers = layers, d_model = d_model, n_heads = heads, d_head = d_head, d_mlp = attnOnly ? null : d_mlp,
        d_vocab = vocab, n_ctx = ctx, act_fn = attnOnly ? null : act, normalization_type = norm, attn_only = attnOnly,
    };

    public static HookedTransformer Create(HookedTransformerConfig config, long seed = 1) => HookedTransformer.Create(config, seed, CPU);

    /// <summary>A model whose every parameter (biases and LN weights included) is random, so no term is trivially zero.</summary>
    public static HookedTransformer CreateFullyRandom(HookedTransformerConfig config, long seed = 1)
    {
        var model = Create(config, seed);
        using var _ = no_grad();
        using var g = new Generator((ulong)seed + 100, CPU);
        foreach (var (name, p) in model.StateDict())
        {
            if (name.Contains(".W_", StringComparison.Ordinal)) continue;
            using var noise = randn(p.shape, generator: g) * 0.3;
            p.add_(noise);
        }
        return model;
    }

    public static void Set(HookedTransformer model, string name, Func<Tensor, Tensor> value)
    {
        using var _ = no_grad();
        var p = model.Param(name);
        using var v = value(p);
        p.copy_(v);
    }

    public static void Zero(HookedTransformer model, string name) => Set(model, name, p => zeros_like(p));

    public static int[][] RandomTokens(int batch, int n, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, n).Select(_ => rng.Next(vocab)).ToArray()).ToArray();
    }

    public static double MaxAbsDiff(Tensor a, Tensor b) => (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();

    public static double[] Flat(Tensor t)
    {
        using var c = t.to(ScalarType.Float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }
}
