using System.Diagnostics;
using Archive.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Transformer;

public class InductionTrainingTests(ITestOutputHelper output)
{
    /// <summary>Small enough for the test run (about 10 s): |r| in [2, 16], so position alone cannot solve the task.</summary>
    private static InductionTrainingOptions Small(int steps) => new()
    {
        n_layers = 2, n_heads = 4, d_model = 32, d_head = 8, d_vocab = 32, RepeatLength = 16, MinRepeatLength = 2,
        Steps = steps, BatchSize = 32, LearningRate = 3e-3, Seed = 3, ReportEvery = 25, EvaluationBatch = 16,
    };

    [Fact]
    public void A_small_attention_only_model_learns_induction()
    {
        var sw = Stopwatch.StartNew();
        var reports = new List<TrainingProgress>();
        var result = InductionTraining.Train(Small(1000), new SyncProgress(reports), CPU);
        using var model = result.Model;
        var icl = Archive.Engine.Methods.LossScores.InContextLearning(model, batch: 32, repeatLength: 16, seed: 99, bos: 0);
        double layer1Induction = result.Scores.Induction[1].Sum();
        double layer0Induction = result.Scores.Induction[0].Sum();
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s; loss {result.LossCurve[0].Loss:F3} -> {result.FinalLoss:F3}; ICL {icl.Score:F2}; " +
            $"L1 induction {string.Join(", ", result.Scores.Induction[1].Select(x => x.ToString("F2")))}; " +
            $"L0 induction {string.Join(", ", result.Scores.Induction[0].Select(x => x.ToString("F2")))}; " +
            $"L0 previous {string.Join(", ", result.Scores.PreviousToken[0].Select(x => x.ToString("F2")))}");

        Assert.Equal(40, reports.Count);
        Assert.Equal(1000, reports[^1].Step);
        Assert.True(result.FinalLoss < result.LossCurve[0].Loss, $"loss {result.LossCurve[0].Loss} -> {result.FinalLoss}");
        // The second copy is predicted far better than the first ...
        Assert.True(icl.Score > 1.0, $"in-context learning score {icl.Score}");
        // ... by layer-1 heads attending to the token after the earlier occurrence (spread over the heads at this size).
        Assert.True(layer1Induction > 0.8, $"layer-1 induction, summed over heads {layer1Induction}");
        Assert.True(layer1Induction > 2 * layer0Induction, $"layer 1 {layer1Induction} vs layer 0 {layer0Induction}");
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        var a = InductionTraining.Train(Small(20), device: CPU);
        var b = InductionTraining.Train(Small(20), device: CPU);
        using var ma = a.Model;
        using var mb = b.Model;
        // Same data and init bit for bit; libtorch's CPU reductions may still differ in the last bit between runs.
        Assert.Equal(a.LossCurve.Select(p => p.Step), b.LossCurve.Select(p => p.Step));
        Assert.All(a.LossCurve.Zip(b.LossCurve), p => Assert.Equal(p.First.Loss, p.Second.Loss, 1e-5));
        Assert.True(TestModels.MaxAbsDiff(ma.Param("blocks.1.attn.W_K"), mb.Param("blocks.1.attn.W_K")) < 1e-5);
        Assert.Equal(InductionTraining.TrainingBatch(Small(1), new Archive.Engine.Methods.SplitMix64(3)),
            InductionTraining.TrainingBatch(Small(1), new Archive.Engine.Methods.SplitMix64(3)));
        Assert.Equal(a.Scores.Inputs.Tokens, b.Scores.Inputs.Tokens);
    }

    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
