using System.Text.Json.Serialization;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

[JsonConverter(typeof(JsonStringEnumConverter<CompositionKind>))]
public enum CompositionKind { Q, K, V }

/// <summary>
/// Composition scores as TransformerLens <c>all_composition_scores(mode)</c>: for an earlier head (l1, h1) and a later
/// head (l2, h2), ‖L·R‖_F / (‖L‖_F‖R‖_F) with L = W_OV(l1, h1) = W_V·W_O and R = W_QK(l2, h2) = W_Q·W_Kᵀ (Q),
/// W_QKᵀ (K) or W_OV(l2, h2) (V). Scores[l1][h1][l2][h2], 0 unless l1 &lt; l2. No inputs: weights only.
/// </summary>
public sealed record CompositionScoresResult
{
    public required CompositionKind Mode { get; init; }
    public required double[][][][] Scores { get; init; }
}

/// <summary>
/// Copying scores Re(Σλ)/Σ|λ| per head [layer][head]: <see cref="Full"/> over the eigenvalues of W_E·W_OV·W_U
/// (computed from the d_head×d_head matrix W_O·W_U·W_E·W_V, which has the same nonzero eigenvalues), and
/// <see cref="OvOnly"/> over those of W_OV (from W_O·W_V).
/// </summary>
public sealed record CopyingScoresResult
{
    public required double[][] Full { get; init; }
    public required double[][] OvOnly { get; init; }
}

public static class WeightScores
{
    /// <summary>‖L·R‖_F / (‖L‖_F‖R‖_F) for two dense matrices, in float64.</summary>
    public static double CompositionScore(Tensor left, Tensor right)
    {
        using var scope = NewDisposeScope();
        var l = left.to(ScalarType.Float64, CPU);
        var r = right.to(ScalarType.Float64, CPU);
        var num = l.matmul(r).norm().item<double>();
        var den = l.norm().item<double>() * r.norm().item<double>();
        return den == 0 ? 0 : num / den;
    }

    /// <summary>
    /// All pairs at once, without forming d_model×d_model products: with L = A·B (A = W_V, B = W_O) and R = C·D,
    /// ‖A·(B·C)·D‖_F² = Σ (AᵀA) ⊙ (M·(D·Dᵀ)·Mᵀ) for M = B·C (d_head×d_head), and ‖A·B‖_F² = Σ (AᵀA) ⊙ (B·Bᵀ).
    /// </summary>
    public static CompositionScoresResult CompositionScores(HookedTransformer model, CompositionKind mode)
    {
        var c = model.Config;
        int L = c.n_layers, H = c.n_heads;
        var scores = new double[L][][][];
        using var scope = NewDisposeScope();
        Tensor Stack(string leaf) => stack(Enumerable.Range(0, L).Select(l => model.Param($"blocks.{l}.attn.{leaf}").detach().to(ScalarType.Float64, CPU))); // [L, H, ...]
        var W_Q = Stack("W_Q"); var W_K = Stack("W_K"); var W_V = Stack("W_V"); var W_O = Stack("W_O");
        var (C, D) = mode switch
        {
            CompositionKind.Q => (W_Q, W_K.transpose(-2, -1)),
            CompositionKind.K => (W_K, W_Q.transpose(-2, -1)),
            _ => (W_V, W_O),
        };
        var GA = W_V.transpose(-2, -1).matmul(W_V);          // [L, H, d_head, d_head]
        var GB = W_O.matmul(W_O.transpose(-2, -1));          // [L, H, d_head, d_head]
        var GC = C.transpose(-2, -1).matmul(C);
        var GD = D.matmul(D.transpose(-2, -1));
        var leftNorm = (GA * GB).sum([-2, -1]).clamp_min(0).sqrt();  // [L, H]
        var rightNorm = (GC * GD).sum([-2, -1]).clamp_min(0).sqrt(); // [L, H]
        for (int l1 = 0; l1 < L; l1++)
        {
            scores[l1] = new double[H][][];
            for (int h1 = 0; h1 < H; h1++)
            {
                scores[l1][h1] = new double[L][];
                for (int l2 = 0; l2 < L; l2++) scores[l1][h1][l2] = new double[H];
            }
            for (int l2 = l1 + 1; l2 < L; l2++)
            {
                using var inner = NewDisposeScope();
                var M = W_O[l1].unsqueeze(1).matmul(C[l2].unsqueeze(0));             // [H1, H2, d_head, d_head]
                var T = M.matmul(GD[l2].unsqueeze(0)).matmul(M.transpose(-2, -1));     // [H1, H2, d_head, d_head]
                var num = (GA[l1].unsqueeze(1) * T).sum([-2, -1]).clamp_min(0).sqrt(); // [H1, H2]
                var den = leftNorm[l1].unsqueeze(1) * rightNorm[l2].unsqueeze(0);
                var s = where(den > 0, num / den, zeros_like(num));
                var values = HeadScores.ToDoubles(s);
                for (int h1 = 0; h1 < H; h1++)
                    for (int h2 = 0; h2 < H; h2++) scores[l1][h1][l2][h2] = values[h1 * H + h2];
            }
        }
        return new CompositionScoresResult { Mode = mode, Scores = scores };
    }

    public static CopyingScoresResult CopyingScores(HookedTransformer model)
    {
        var c = model.Config;
        using var scope = NewDisposeScope();
        var W_E = model.Param("embed.W_E").detach().to(ScalarType.Float64, CPU); // [d_vocab, d_model]
        var W_U = model.Param("unembed.W_U").detach().to(ScalarType.Float64, CPU); // [d_model, d_vocab]
        var UE = W_U.matmul(W_E); // [d_model, d_model]
        var full = new double[c.n_layers][];
        var ov = new double[c.n_layers][];
        for (int l = 0; l < c.n_layers; l++)
        {
            var W_V = model.Param($"blocks.{l}.attn.W_V").detach().to(ScalarType.Float64, CPU); // [H, d_model, d_head]
            var W_O = model.Param($"blocks.{l}.attn.W_O").detach().to(ScalarType.Float64, CPU); // [H, d_head, d_model]
            full[l] = HeadScores.ToDoubles(EigenCopyingScore(W_O.matmul(UE).matmul(W_V)));
            ov[l] = HeadScores.ToDoubles(EigenCopyingScore(W_O.matmul(W_V)));
        }
        return new CopyingScoresResult { Full = full, OvOnly = ov };
    }

    /// <summary>Re(Σλ)/Σ|λ| over the eigenvalues of each square matrix in a batch [..., k, k] (0 when all λ are 0).</summary>
    public static Tensor EigenCopyingScore(Tensor matrices)
    {
        var lambda = linalg.eigvals(matrices.to(ScalarType.Float64)); // complex [..., k]
        var re = lambda.real.sum(-1);
        var abs = lambda.abs().sum(-1);
        return where(abs > 0, re / abs, zeros_like(re));
    }
}
