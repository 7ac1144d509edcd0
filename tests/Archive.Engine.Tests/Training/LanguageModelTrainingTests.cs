using Archive.Engine.Training;
using Archive.Formats.Models;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Training;

public class LanguageModelTrainingTests
{
    private static readonly HookedTransformerConfig Tiny = new()
    {
        n_layers = 1, d_model = 32, n_heads = 2, d_head = 16, d_mlp = 64, d_vocab = 16, n_ctx = 16,
        act_fn = "relu", normalization_type = "LN", model_name = "tiny-bigram",
    };

    /// <summary>A stream where each token fixes the next: t_{i+1} = (5·t_i + 3) mod 16.</summary>
    private static int[] BigramStream(int length)
    {
        var stream = new int[length];
        for (var i = 1; i < length; i++) stream[i] = (5 * stream[i - 1] + 3) % 16;
        return stream;
    }

    [Fact]
    public void Windows_are_contiguous_slices_of_the_stream()
    {
        using var stream = arange(10, int64);
        using var starts = tensor(new long[] { 0, 6 });
        using var windows = LanguageModelTraining.Windows(stream, starts, 4);
        Assert.Equal(new long[] { 0, 1, 2, 3, 6, 7, 8, 9 }, windows.data<long>().ToArray());
    }

    [Fact]
    public void Next_token_training_learns_a_deterministic_stream()
    {
        var reports = new List<TrainingProgress>();
        var options = new LanguageModelTrainingOptions { Model = Tiny, Steps = 150, BatchSize = 16, LearningRate = 3e-3, Seed = 3, ReportEvery = 50 };
        var result = LanguageModelTraining.Train(BigramStream(2000), options, new ListProgress(reports), CPU, TestContext.Current.CancellationToken);
        using var model = result.Model;

        Assert.True(result.FinalLoss < result.InitialLoss / 3, $"loss {result.InitialLoss} -> {result.FinalLoss}");
        Assert.Equal(3, reports.Count);
        Assert.Equal(2000, result.StreamLength);
        Assert.Equal(64, result.TokenStreamSha256.Length);
    }

    [Fact]
    public void Training_is_repeatable_for_a_seed()
    {
        var options = new LanguageModelTrainingOptions { Model = Tiny, Steps = 5, BatchSize = 4, Seed = 9, EvaluationWindows = 4 };
        var a = LanguageModelTraining.Train(BigramStream(200), options, device: CPU, cancellationToken: TestContext.Current.CancellationToken);
        var b = LanguageModelTraining.Train(BigramStream(200), options, device: CPU, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(a.FinalLoss, b.FinalLoss);
        Assert.Equal(a.LossCurve, b.LossCurve);
        a.Model.Dispose();
        b.Model.Dispose();
    }

    [Fact]
    public void Tokens_outside_the_vocabulary_are_rejected()
    {
        var options = new LanguageModelTrainingOptions { Model = Tiny, Steps = 1 };
        Assert.Throws<ArgumentException>(() => LanguageModelTraining.Train([.. BigramStream(100), 16], options, device: CPU,
            cancellationToken: TestContext.Current.CancellationToken));
    }

    private sealed class ListProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
