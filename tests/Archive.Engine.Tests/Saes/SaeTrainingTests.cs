using Archive.Formats.SaeLens;
using Archive.Engine.Saes;
using Archive.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Saes;

public class SaeTrainingTests
{
    /// <summary>
    /// Activations built from a known sparse dictionary: 16 random unit directions in 8 dimensions, each present in
    /// a token with probability 0.1 at a uniform [0, 1) magnitude, plus a constant offset.
    /// </summary>
    private static Tensor SyntheticActivations(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var directions = randn(new long[] { 16, 8 }, generator: g);
        directions = directions / directions.norm(1, keepdim: true);
        var magnitudes = rand(new long[] { n, 16 }, generator: g) * rand(new long[] { n, 16 }, generator: g).lt(0.1).to_type(float32);
        var x = matmul(magnitudes, directions) + 0.5f;
        return x.MoveToOuterDisposeScope();
    }

    [Fact]
    public void Relu_sae_with_l1_learns_to_reconstruct_sparse_data()
    {
        using var acts = SyntheticActivations(8192, seed: 11);
        var reports = new List<TrainingProgress>();
        var options = new SaeTrainingOptions
        {
            d_sae = 32, Steps = 600, BatchSize = 256, LearningRate = 3e-3, L1Coefficient = 3e-3, L1WarmUpSteps = 100, Seed = 5,
            ReportEvery = 50, HookName = "blocks.0.hook_resid_post",
        };
        var result = SaeTraining.Train(acts, options, new ListProgress(reports), TestContext.Current.CancellationToken);
        using var sae = result.Sae;

        Assert.True(result.LossCurve[^1].Loss < result.LossCurve[0].Loss, $"loss {result.LossCurve[0].Loss} -> {result.LossCurve[^1].Loss}");
        Assert.True(result.Final.Mse < result.Initial.Mse / 4, $"mse {result.Initial.Mse} -> {result.Final.Mse}");
        Assert.True(result.Final.ExplainedVariance > 0.8, $"explained variance {result.Initial.ExplainedVariance} -> {result.Final.ExplainedVariance}");
        Assert.True(result.Final.L0 < 32 / 2.0, $"L0 {result.Final.L0}");
        Assert.Equal(12, reports.Count);
        Assert.Equal("blocks.0.hook_resid_post", sae.cfg.hook_name);
        Assert.Equal(SaeLensConfig.Standard, sae.cfg.architecture);
    }

    [Fact]
    public void TopK_sae_learns_with_exactly_k_active_at_most()
    {
        using var acts = SyntheticActivations(8192, seed: 12);
        var options = new SaeTrainingOptions
        {
            d_sae = 32, Architecture = SaeLensConfig.TopK, K = 4, Steps = 600, BatchSize = 256, LearningRate = 3e-3, Seed = 6,
        };
        var result = SaeTraining.Train(acts, options, cancellationToken: TestContext.Current.CancellationToken);
        using var sae = result.Sae;

        Assert.True(result.Final.Mse < result.Initial.Mse / 4, $"mse {result.Initial.Mse} -> {result.Final.Mse}");
        Assert.True(result.Final.ExplainedVariance > 0.7, $"explained variance {result.Final.ExplainedVariance}");
        Assert.InRange(result.Final.L0, 0, 4);
        Assert.Equal(4, sae.cfg.k);
    }

    [Fact]
    public void Training_is_repeatable_for_a_seed()
    {
        using var acts = SyntheticActivations(2048, seed: 13);
        var options = new SaeTrainingOptions { d_sae = 16, Steps = 30, BatchSize = 128, Seed = 7 };
        var a = SaeTraining.Train(acts, options, cancellationToken: TestContext.Current.CancellationToken);
        var b = SaeTraining.Train(acts, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(SaeTestData.Values(a.Sae.W_enc), SaeTestData.Values(b.Sae.W_enc));
        Assert.Equal(a.Final, b.Final);
        a.Sae.Dispose();
        b.Sae.Dispose();
    }

    [Fact]
    public void Evaluation_of_a_perfect_reconstruction_explains_all_variance()
    {
        // W_enc = W_dec = I, zero biases: x̂ = ReLU(x) = x for non-negative x.
        var weights = new Dictionary<string, Tensor> { ["W_enc"] = eye(2), ["W_dec"] = eye(2), ["b_enc"] = zeros(2), ["b_dec"] = zeros(2) };
        using var sae = new SparseAutoencoder(new SaeLensConfig { d_in = 2, d_sae = 2 }, weights);
        using var x = tensor(new float[,] { { 1, 0 }, { 2, 3 }, { 0, 0 } });
        var e = SaeTraining.Evaluate(sae, x);
        Assert.Equal(0, e.Mse);
        Assert.Equal(1, e.ExplainedVariance);
        Assert.Equal(1.0, e.L0); // (1 + 2 + 0) / 3
    }

    private sealed class ListProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
