using static TorchSharp.torch;

namespace Archive.Engine.Superposition;

/// <summary>
/// What a trained toy model's W [m, n] says about superposition (evidence-methods section 6). W_i is column i,
/// Ŵ_i = W_i / ‖W_i‖ (taken as 0 when ‖W_i‖ = 0, so such a feature has interference 0 and dimensionality 0).
/// </summary>
/// <param name="n_features">n</param>
/// <param name="d_hidden">m</param>
/// <param name="FeatureNorms">‖W_i‖, per feature.</param>
/// <param name="Represented">‖W_i‖ &gt; <paramref name="RepresentedThreshold"/>, per feature.</param>
/// <param name="RepresentedThreshold">0.5 unless asked otherwise.</param>
/// <param name="RepresentedCount">How many features are represented.</param>
/// <param name="Interference">Σ_{j≠i} (Ŵ_i·W_j)², per feature.</param>
/// <param name="Dimensionality">D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² with j = i included, per feature.</param>
/// <param name="DimensionsPerFeature">m / ‖W‖_F²; null when W is all zeros.</param>
/// <param name="Gram">WᵀW [n][n], for a heatmap.</param>
/// <param name="W">W itself [m][n].</param>
public sealed record SuperpositionMeasures(
    int n_features,
    int d_hidden,
    double[] FeatureNorms,
    bool[] Represented,
    double RepresentedThreshold,
    int RepresentedCount,
    double[] Interference,
    double[] Dimensionality,
    double? DimensionsPerFeature,
    float[][] Gram,
    float[][] W)
{
    public const double DefaultRepresentedThreshold = 0.5;

    public static SuperpositionMeasures Compute(ToyModel model, double representedThreshold = DefaultRepresentedThreshold) =>
        Compute(model.GetW(), representedThreshold);

    public static SuperpositionMeasures Compute(Tensor W, double representedThreshold = DefaultRepresentedThreshold)
    {
        if (W.dim() != 2) throw new ArgumentException($"W must be [m, n]; got {W.dim()} dimensions.", nameof(W));
        return Compute(ToyModel.ToRows(W), representedThreshold);
    }

    /// <summary>W given as rows: W[r][i] is hidden dimension r of feature i.</summary>
    public static SuperpositionMeasures Compute(float[][] W, double representedThreshold = DefaultRepresentedThreshold)
    {
        var m = W.Length;
        if (m == 0) throw new ArgumentException("W has no rows.", nameof(W));
        var n = W[0].Length;
        if (W.Any(row => row.Length != n)) throw new ArgumentException("W's rows differ in length.", nameof(W));

        // Gram[i][j] = W_i · W_j, in double.
        var gram = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var r = 0; r < m; r++) s += (double)W[r][i] * W[r][j];
                gram[i, j] = s;
            }

        var norms = new double[n];
        var represented = new bool[n];
        var interference = new double[n];
        var dimensionality = new double[n];
        double frobeniusSquared = 0;
        for (var i = 0; i < n; i++)
        {
            var normSquared = gram[i, i];
            frobeniusSquared += normSquared;
            var norm = Math.Sqrt(normSquared);
            norms[i] = norm;
            represented[i] = norm > representedThreshold;
            if (norm == 0) continue;
            double others = 0;
            for (var j = 0; j < n; j++)
            {
                if (j == i) continue;
                var overlap = gram[i, j] / norm; // Ŵ_i · W_j
                others += overlap * overlap;
            }
            interference[i] = others;
            // Σ_j (Ŵ_i·W_j)² with j = i contributes (‖W_i‖)² = normSquared.
            dimensionality[i] = normSquared / (normSquared + others);
        }

        var gramRows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            gramRows[i] = new float[n];
            for (var j = 0; j < n; j++) gramRows[i][j] = (float)gram[i, j];
        }

        return new SuperpositionMeasures(
            n,
            m,
            norms,
            represented,
            representedThreshold,
            represented.Count(r => r),
            interference,
            dimensionality,
            frobeniusSquared == 0 ? null : m / frobeniusSquared,
            gramRows,
            W.Select(row => (float[])row.Clone()).ToArray());
    }
}
