using Archive.Engine.Training;
using Xunit;

namespace Archive.Engine.Tests.Superposition;

public class SuperpositionTrainingTests
{
    private static ToyModelTrainingOptions Options(double sparsity) => new()
    {
        n_features = 5,
        d_hidden = 2,
        Sparsity = sparsity,
        ImportanceBase = 0.9,
        Steps = 3000,
        BatchSize = 1024,
        LearningRate = 1e-3,
        Seed = 1,
    };

    [Fact]
    public void Dense_features_get_two_dimensions_sparse_features_share_them()
    {
        var reports = new List<TrainingProgress>();
        var dense = SuperpositionTraining.Train(Options(0), new SyncProgress(reports), cancellationToken: TestContext.Current.CancellationToken);
        var sparse = SuperpositionTraining.Train(Options(0.9), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(dense.FinalLoss < dense.InitialLoss, $"dense loss {dense.InitialLoss} -> {dense.FinalLoss}");
        Assert.True(sparse.FinalLoss < sparse.InitialLoss, $"sparse loss {sparse.InitialLoss} -> {sparse.FinalLoss}");

        // S = 0: the model keeps the two most important features, orthogonally (no superposition).
        Assert.Equal(2, dense.Measures.RepresentedCount);
        Assert.True(dense.Measures.Represented[0] && dense.Measures.Represented[1]);
        Assert.All(dense.Measures.Dimensionality[..2], d => Assert.InRange(d, 0.9, 1.0));
        // High sparsity: more features than dimensions (superposition).
        Assert.True(sparse.Measures.RepresentedCount > dense.Measures.RepresentedCount,
            $"represented: dense {dense.Measures.RepresentedCount}, sparse {sparse.Measures.RepresentedCount}; norms {string.Join(", ", sparse.Measures.FeatureNorms)}");
        // S = 0.9 gives the paper's pentagon: all five features, each with 2/5 of a dimension.
        Assert.Equal(5, sparse.Measures.RepresentedCount);
        Assert.All(sparse.Measures.Dimensionality, d => Assert.InRange(d, 0.35, 0.45));

        Assert.Equal(30, reports.Count);
        Assert.Equal(3000, reports[^1].Step);
    }

    [Fact]
    public void Training_is_repeatable_for_a_seed()
    {
        var options = Options(0.7) with { Steps = 200 };
        var a = SuperpositionTraining.Train(options, cancellationToken: TestContext.Current.CancellationToken);
        var b = SuperpositionTraining.Train(options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(a.Measures.W, b.Measures.W);
        Assert.Equal(a.FinalLoss, b.FinalLoss);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests want the reports in hand when Train returns.</summary>
    internal sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
