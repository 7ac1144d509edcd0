using System.Text.Json;
using Archive.Engine.Methods;
using Archive.Engine.Tests.Transformer;
using Archive.Engine.Transformer;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Methods;

public class InterventionsTests
{
    [Fact]
    public void Per_position_loss_is_the_cross_entropy_of_the_next_token()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 2);
        var tokens = TestModels.RandomTokens(2, 6, 23, 1);
        var result = LossScores.PerPositionLoss(model, tokens);
        using var scope = NewDisposeScope();
        var logits = model.RunWithHooks(TokenTensor.From(tokens, CPU)).to(ScalarType.Float64);
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 5; i++)
            {
                var row = TestModels.Flat(logits[b, i]);
                double max = row.Max();
                double logSumExp = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
                Assert.Equal(logSumExp - row[tokens[b][i + 1]], result.Loss[b][i], 1e-9);
            }
        Assert.Equal(result.Loss.SelectMany(r => r).Average(), result.MeanLoss, 1e-9);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void In_context_learning_score_compares_the_two_copies(int? bos)
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 3);
        var result = LossScores.InContextLearning(model, batch: 3, repeatLength: 5, seed: 11, bos: bos);
        var losses = LossScores.PerPositionLoss(model, result.Inputs.Tokens).Loss;
        int p = bos is null ? 0 : 1;
        // First copy: predicting positions i with i+1 in [p, p+5); second: i+1 in [p+5, p+10).
        double first = Enumerable.Range(Math.Max(p - 1, 0), p == 0 ? 4 : 5).Average(i => losses.Average(r => r[i]));
        double second = Enumerable.Range(p + 4, 5).Average(i => losses.Average(r => r[i]));
        Assert.Equal(first, result.FirstCopyLoss, 1e-9);
        Assert.Equal(second, result.SecondCopyLoss, 1e-9);
        Assert.Equal(first - second, result.Score, 1e-12);
    }

    [Fact]
    public void Zero_ablation_of_a_head_that_writes_nothing_has_no_effect()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 4);
        TestModels.Set(model, "blocks.1.attn.W_O", w =>
        {
            var c = w.clone();
            c[0] = zeros_like(w[0]);
            return c;
        });
        var tokens = TestModels.RandomTokens(2, 7, 23, 2);
        var silent = Interventions.Ablate(model, tokens, [Component.Head(1, 0)], AblationKind.Zero, MetricSpec.Loss);
        Assert.Equal(0.0, silent.Effect, 1e-6);
        var loud = Interventions.Ablate(model, tokens, [Component.Head(0, 0), Component.Mlp(0), Component.Neuron(1, 3)],
            AblationKind.Zero, MetricSpec.Loss, perComponent: true);
        Assert.NotEqual(0.0, loud.Effect, 1e-4);
        Assert.Equal(loud.AblatedMetric - loud.CleanMetric, loud.Effect, 1e-12);
        Assert.Equal(3, loud.PerComponent!.Length);
        Assert.All(loud.PerComponent, e => Assert.NotEqual(0.0, e.Effect, 1e-7));
    }

    [Fact]
    public void Mean_ablation_of_a_constant_activation_has_no_effect_but_zero_ablation_does()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 5);
        // W_V = 0: z = pattern·b_V = b_V at every position, so its mean over any batch is itself.
        TestModels.Set(model, "blocks.0.attn.W_V", w => zeros_like(w));
        var tokens = TestModels.RandomTokens(2, 7, 23, 3);
        var reference = TestModels.RandomTokens(4, 7, 23, 4);
        var metric = MetricSpec.LogitDifference([1, 2], [3, 4]);
        var mean = Interventions.Ablate(model, tokens, [Component.Head(0, 1)], AblationKind.Mean, metric, reference);
        Assert.Equal(0.0, mean.Effect, 1e-5);
        Assert.Equal(reference, mean.ReferenceTokens);
        var zero = Interventions.Ablate(model, tokens, [Component.Head(0, 1)], AblationKind.Zero, metric);
        Assert.NotEqual(0.0, zero.Effect, 1e-4);
        Assert.Throws<ArgumentException>(() => Interventions.Ablate(model, tokens, [Component.Head(0, 1)], AblationKind.Mean, metric));
        Assert.Throws<ArgumentException>(() => Interventions.Ablate(model, tokens, [Component.Head(0, 9)], AblationKind.Zero, metric));
    }

    [Fact]
    public void Mean_ablation_value_is_the_reference_mean_over_batch_and_positions()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 6);
        using var scope = NewDisposeScope();
        var reference = TokenTensor.From(TestModels.RandomTokens(3, 5, 23, 5), CPU);
        var (_, cache) = model.RunWithCache(reference);
        using (cache)
        {
            var head = Ablations.MeanOf(Component.Head(1, 1, position: 2), cache);
            Assert.True(TestModels.MaxAbsDiff(head, cache.Z(1)[TensorIndex.Colon, TensorIndex.Colon, 1].mean([0, 1])) < 1e-7);
            Assert.Equal([4L], head.shape);
            var neuron = Ablations.MeanOf(Component.Neuron(0, 5), cache);
            Assert.Equal(0, neuron.dim());
            var tokens = TokenTensor.From(TestModels.RandomTokens(2, 5, 23, 6), CPU);
            var (_, ablatedCache) = model.RunWithCache(tokens, null, Ablations.SetTo(Component.Head(1, 1, position: 2), head));
            using (ablatedCache)
            {
                var z = ablatedCache.Z(1);
                Assert.True(TestModels.MaxAbsDiff(z[0, 2, 1], head) < 1e-7);
                Assert.True(TestModels.MaxAbsDiff(z[1, 2, 1], head) < 1e-7);
                Assert.True(TestModels.MaxAbsDiff(z[1, 3, 1], head) > 1e-4); // other positions untouched
            }
        }
    }

    [Fact]
    public void Patching_the_whole_residual_stream_recovers_everything_and_a_silent_head_nothing()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 7);
        TestModels.Set(model, "blocks.1.attn.W_O", w =>
        {
            var c = w.clone();
            c[1] = zeros_like(w[1]);
            return c;
        });
        var clean = TestModels.RandomTokens(2, 6, 23, 7);
        var corrupted = TestModels.RandomTokens(2, 6, 23, 8);
        var metric = MetricSpec.LogitDifference([5, 6], [7, 8], [5, 4]);
        var result = Interventions.Patch(model, clean, corrupted,
            [Component.ResidPre(0), Component.ResidPre(1), Component.Head(1, 1), Component.Head(0, 0), Component.Mlp(1, position: 5)], metric);
        Assert.NotEqual(result.CleanMetric, result.CorruptedMetric, 1e-3);
        Assert.Equal(1.0, result.Components[0].RecoveredFraction!.Value, 1e-5);
        Assert.Equal(1.0, result.Components[1].RecoveredFraction!.Value, 1e-5);
        Assert.Equal(0.0, result.Components[2].RecoveredFraction!.Value, 1e-5);
        var head = result.Components[3];
        Assert.Equal((head.PatchedMetric - result.CorruptedMetric) / (result.CleanMetric - result.CorruptedMetric), head.RecoveredFraction!.Value, 1e-12);

        var json = JsonSerializer.Serialize(result);
        Assert.Contains("\"Kind\":\"ResidPre\"", json);
        var back = JsonSerializer.Deserialize<ActivationPatchingResult>(json)!;
        Assert.Equal(result.Components[4].Component, back.Components[4].Component);
    }

    [Theory]
    [InlineData("LN", false)]
    [InlineData(null, false)]
    [InlineData("LN", true)]
    public void Direct_logit_attribution_terms_sum_to_the_logit_difference(string? norm, bool attnOnly)
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(norm: norm, attnOnly: attnOnly), seed: 8);
        var tokens = TestModels.RandomTokens(3, 6, 23, 9);
        var result = DirectLogitAttribution.Run(model, tokens, [1, 2, 3], [4, 5, 6], [5, 2, 3]);
        int expectedTerms = 2 + 2 * (2 + 1 + (attnOnly ? 0 : 1));
        Assert.Equal(expectedTerms, result.Terms.Length);
        for (int b = 0; b < 3; b++)
        {
            double sum = result.Terms.Sum(t => t.PerSequence[b]) + result.LnBiasTerm[b] + result.UnembedBiasTerm[b];
            Assert.Equal(result.LogitDifference[b], sum, 1e-4);
        }
        using var scope = NewDisposeScope();
        var logits = model.RunWithHooks(TokenTensor.From(tokens, CPU));
        Assert.Equal(logits[1, 2, 2].item<float>() - logits[1, 2, 5].item<float>(), result.LogitDifference[1], 1e-5);
        Assert.Equal(result.Terms.Single(t => t.Label == "L1H0").PerSequence.Average(), result.Terms.Single(t => t.Label == "L1H0").Mean, 1e-12);
    }
}
