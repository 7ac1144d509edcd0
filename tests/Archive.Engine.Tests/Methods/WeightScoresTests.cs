using Archive.Engine.Methods;
using Archive.Engine.Tests.Transformer;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Methods;

public class WeightScoresTests
{
    [Theory]
    [InlineData(CompositionKind.Q)]
    [InlineData(CompositionKind.K)]
    [InlineData(CompositionKind.V)]
    public void All_pairs_match_dense_products_in_TransformerLens_order(CompositionKind mode)
    {
        using var model = TestModels.Create(TestModels.Config(layers: 3, attnOnly: true, heads: 3, d_model: 12, d_head: 3), seed: 8);
        var result = WeightScores.CompositionScores(model, mode);
        using var scope = NewDisposeScope();
        Tensor W(string name, int l, int h) => model.Param($"blocks.{l}.attn.{name}")[h].detach().to(ScalarType.Float64);
        for (int l1 = 0; l1 < 3; l1++)
            for (int h1 = 0; h1 < 3; h1++)
                for (int l2 = 0; l2 < 3; l2++)
                    for (int h2 = 0; h2 < 3; h2++)
                    {
                        double actual = result.Scores[l1][h1][l2][h2];
                        if (l2 <= l1)
                        {
                            Assert.Equal(0.0, actual);
                            continue;
                        }
                        var ov = W("W_V", l1, h1).matmul(W("W_O", l1, h1));
                        var qk = W("W_Q", l2, h2).matmul(W("W_K", l2, h2).T);
                        var right = mode switch
                        {
                            CompositionKind.Q => qk,
                            CompositionKind.K => qk.T,
                            _ => W("W_V", l2, h2).matmul(W("W_O", l2, h2)),
                        };
                        double expected = WeightScores.CompositionScore(ov, right);
                        Assert.Equal(expected, actual, 1e-9);
                        Assert.InRange(actual, 0, 1);
                    }
    }

    [Fact]
    public void Composition_of_a_projection_with_itself_is_one_over_root_rank_and_with_its_complement_zero()
    {
        using var scope = NewDisposeScope();
        var p = diag(tensor(new double[] { 1, 1, 1, 0, 0, 0 }));
        var complement = eye(6, dtype: ScalarType.Float64) - p;
        Assert.Equal(1 / Math.Sqrt(3), WeightScores.CompositionScore(p, p), 1e-12);
        Assert.Equal(0.0, WeightScores.CompositionScore(p, complement), 1e-12);
        var m = randn(6, 6, ScalarType.Float64);
        Assert.Equal(WeightScores.CompositionScore(m, m), WeightScores.CompositionScore(m * 5, m * 0.1), 1e-12);
        // Equality in ‖LR‖ ≤ ‖L‖‖R‖ needs rank one: u vᵀ · v wᵀ.
        var u = randn(6, 1, ScalarType.Float64);
        var v = randn(6, 1, ScalarType.Float64);
        Assert.Equal(1.0, WeightScores.CompositionScore(u.matmul(v.T), v.matmul(u.T)), 1e-12);
    }

    [Fact]
    public void Copying_score_is_one_for_an_identity_circuit_and_minus_one_for_its_negation()
    {
        var config = TestModels.Config(layers: 1, attnOnly: true, heads: 2, d_model: 4, d_head: 4, vocab: 4, ctx: 4);
        using var model = TestModels.Create(config);
        using var _ = no_grad();
        model.Param("embed.W_E").copy_(eye(4));
        model.Param("unembed.W_U").copy_(eye(4));
        model.Param("blocks.0.attn.W_V").copy_(stack([eye(4), eye(4)]));
        model.Param("blocks.0.attn.W_O").copy_(stack([eye(4) * 2, eye(4) * -1]));
        var result = WeightScores.CopyingScores(model);
        Assert.Equal([1.0, -1.0], result.Full[0]);
        Assert.Equal([1.0, -1.0], result.OvOnly[0]);
    }

    [Fact]
    public void Copying_score_from_the_small_matrix_equals_the_vocabulary_sized_one()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2, attnOnly: true), seed: 19);
        var result = WeightScores.CopyingScores(model);
        using var scope = NewDisposeScope();
        var W_E = model.Param("embed.W_E").detach().to(ScalarType.Float64);
        var W_U = model.Param("unembed.W_U").detach().to(ScalarType.Float64);
        for (int l = 0; l < 2; l++)
            for (int h = 0; h < 2; h++)
            {
                var ov = model.Param($"blocks.{l}.attn.W_V")[h].detach().to(ScalarType.Float64)
                    .matmul(model.Param($"blocks.{l}.attn.W_O")[h].detach().to(ScalarType.Float64));
                var full = W_E.matmul(ov).matmul(W_U); // [d_vocab, d_vocab]
                Assert.Equal(WeightScores.EigenCopyingScore(full).item<double>(), result.Full[l][h], 1e-8);
                Assert.Equal(WeightScores.EigenCopyingScore(ov).item<double>(), result.OvOnly[l][h], 1e-8);
            }
    }
}
