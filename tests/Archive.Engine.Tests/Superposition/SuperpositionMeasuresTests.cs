using System.Text.Json;
using Archive.Engine.Superposition;
using Archive.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Superposition;

public class SuperpositionMeasuresTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Orthogonal_columns_have_no_interference_and_one_dimension_each()
    {
        // m = 2, n = 3: features 0 and 1 along the axes (norms 1 and 2), feature 2 not represented (zero column).
        var measures = SuperpositionMeasures.Compute(new[]
        {
            new[] { 1f, 0f, 0f },
            new[] { 0f, 2f, 0f },
        });

        Assert.Equal(new[] { 1.0, 2.0, 0.0 }, measures.FeatureNorms);
        Assert.Equal(new[] { true, true, false }, measures.Represented);
        Assert.Equal(2, measures.RepresentedCount);
        Assert.All(measures.Interference, v => Assert.Equal(0, v, Tolerance));
        Assert.Equal(1, measures.Dimensionality[0], Tolerance);
        Assert.Equal(1, measures.Dimensionality[1], Tolerance);
        Assert.Equal(0, measures.Dimensionality[2], Tolerance);
        // ‖W‖_F² = 1 + 4 = 5; m / 5 = 0.4.
        Assert.Equal(0.4, measures.DimensionsPerFeature!.Value, Tolerance);
        Assert.Equal(new[] { 1f, 0f, 0f }, measures.Gram[0]);
        Assert.Equal(new[] { 0f, 4f, 0f }, measures.Gram[1]);
    }

    [Fact]
    public void Antipodal_pair_shares_one_dimension()
    {
        // Two features on one axis, opposite signs: each interferes with the other by (Ŵ_0·W_1)² = 1, D = 1/2.
        var measures = SuperpositionMeasures.Compute(new[]
        {
            new[] { 1f, -1f },
            new[] { 0f, 0f },
        });

        Assert.Equal(1, measures.Interference[0], Tolerance);
        Assert.Equal(1, measures.Interference[1], Tolerance);
        Assert.Equal(0.5, measures.Dimensionality[0], Tolerance);
        Assert.Equal(0.5, measures.Dimensionality[1], Tolerance);
        Assert.Equal(1.0, measures.DimensionsPerFeature!.Value, Tolerance); // m = 2, ‖W‖_F² = 2
        Assert.Equal(-1f, measures.Gram[0][1]);
    }

    [Fact]
    public void Pentagon_gives_each_feature_two_fifths_of_a_dimension()
    {
        // Five unit vectors at 72° in 2 dimensions: Σ_j cos²(θ_ij) over j = 5/2, so D_i = 1 / (5/2) = 2/5.
        var columns = Enumerable.Range(0, 5).Select(i => 2 * Math.PI * i / 5).ToArray();
        var W = new[]
        {
            columns.Select(a => (float)Math.Cos(a)).ToArray(),
            columns.Select(a => (float)Math.Sin(a)).ToArray(),
        };
        var measures = SuperpositionMeasures.Compute(W);

        Assert.All(measures.Dimensionality, d => Assert.Equal(0.4, d, 1e-6));
        Assert.All(measures.Interference, v => Assert.Equal(1.5, v, 1e-6));
        Assert.Equal(0.4, measures.DimensionsPerFeature!.Value, 1e-6);
    }

    [Fact]
    public void Measures_from_a_tensor_match_measures_from_rows_and_serialise()
    {
        using var W = tensor(new float[,] { { 0.6f, 0.8f, 0f }, { 0.8f, -0.6f, 1f } });
        var fromTensor = SuperpositionMeasures.Compute(W);
        var fromRows = SuperpositionMeasures.Compute(new[] { new[] { 0.6f, 0.8f, 0f }, new[] { 0.8f, -0.6f, 1f } });

        Assert.Equal(fromRows.Dimensionality, fromTensor.Dimensionality);
        var json = JsonSerializer.Serialize(fromTensor);
        Assert.Contains("\"Dimensionality\"", json);
    }

    [Fact]
    public void Synthetic_features_are_sparse_uniform_and_repeatable()
    {
        using var a = SyntheticFeatures.Sample(20_000, 5, 0.9, new Generator(7));
        using var b = SyntheticFeatures.Sample(20_000, 5, 0.9, new Generator(7));
        Assert.True(a.eq(b).all().item<bool>());

        var nonZero = a.gt(0).to_type(float32).mean().item<float>();
        Assert.InRange(nonZero, 0.09, 0.11);
        Assert.True(a.max().item<float>() < 1f);
        Assert.True(a.min().item<float>() >= 0f);
        Assert.Equal(new[] { 1f, 0.9f, 0.81f }, SyntheticFeatures.Importance(3, 0.9), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Weighted_loss_is_importance_weighted_sum_averaged_over_batch()
    {
        using var x = tensor(new float[,] { { 1f, 1f }, { 0f, 0f } });
        using var x_hat = tensor(new float[,] { { 0f, 0f }, { 0f, 2f } });
        using var importance = tensor(new[] { 1f, 0.5f });
        // Row 0: 1·1 + 0.5·1 = 1.5; row 1: 0 + 0.5·4 = 2; mean = 1.75.
        Assert.Equal(1.75f, SuperpositionTraining.WeightedLoss(x, x_hat, importance).item<float>(), 1e-6f);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
