using System.Diagnostics;
using Archive.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Transformer;

public class InductionTrainingTests(ITestOutputHelper output)
{
    /// <summary>Small enough for the test run: induction heads form in layer 1 within a few hundred steps on the CPU.</summary>
    private static InductionTrainingOptions Small(int steps) => new()
    {
        n_layers = 2, n_heads = 4, d_model = 32, d_head = 8, d_vocab = 32, RepeatLength = 8,
        Steps = steps, BatchSize = 32, LearningRate = 1e-2, Seed = 3, ReportEvery = 25, EvaluationBatch = 16,
    };

    [Fact]
    public void A_small_attention_only_model_learns_induction()
    {
        var sw = Stopwatch.StartNew();
        var reports = new List<TrainingProgress>();
        var result = InductionTraining.Train(Small(400), new SyncProgress(reports), CPU);
        using var model = result.Model;
        double layer1Induction = result.Scores.Induction[1].Max();
        double layer0Previous = result.Scores.PreviousToken[0].Max();
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s; loss {result.LossCurve[0].Loss:F3} -> {result.FinalLoss:F3}; " +
            $"L1 induction {string.Join(", ", result.Scores.Induction[1].Select(x => x.ToString("F2")))}; " +
            $"L0 previous {string.Join(", ", result.Scores.PreviousToken[0].Select(x => x.ToString("F2")))}");

        Assert.Equal(16, reports.Count);
        Assert.Equal(400, reports[^1].Step);
        Assert.True(result.FinalLoss < result.LossCurve[0].Loss, $"loss {result.LossCurve[0].Loss} -> {result.FinalLoss}");
        Assert.True(layer1Induction > 0.4, $"layer-1 induction {layer1Induction}");
        Assert.True(layer0Previous > 0.3, $"layer-0 previous-token {layer0Previous}");
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        var a = InductionTraining.Train(Small(20), device: CPU);
        var b = InductionTraining.Train(Small(20), device: CPU);
        using var ma = a.Model;
        using var mb = b.Model;
        Assert.Equal(a.LossCurve, b.LossCurve);
        Assert.Equal(0.0, TestModels.MaxAbsDiff(ma.Param("blocks.1.attn.W_K"), mb.Param("blocks.1.attn.W_K")));
        Assert.Equal(a.Scores.Inputs.Tokens, b.Scores.Inputs.Tokens);
    }

    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
