using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Engine.Superposition;

/// <summary>
/// The paper's synthetic data: each feature x_i is 0 with probability S (the sparsity) and otherwise uniform on
/// [0, 1], independently, drawn from a seeded generator so that a run can be repeated exactly.
/// </summary>
public static class SyntheticFeatures
{
    /// <summary>
    /// A batch [batch, n_features]. Two uniform draws per entry from <paramref name="generator"/>, in this order:
    /// first the values u ~ U[0,1) [batch, n], then the gate g ~ U[0,1) [batch, n]; x = u where g ≥ S, else 0.
    /// </summary>
    public static Tensor Sample(int batch, int n_features, double sparsity, Generator generator, Device? device = null)
    {
        if (sparsity is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(sparsity), "Sparsity S must lie in [0, 1].");
        using var scope = NewDisposeScope();
        var values = rand(new long[] { batch, n_features }, float32, CPU, generator: generator);
        var gate = rand(new long[] { batch, n_features }, float32, CPU, generator: generator);
        var x = values.mul(gate.ge(sparsity).to_type(float32));
        if (device is not null && device.type != DeviceType.CPU) x = x.to(device);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Importance I_i = β^i for i = 0..n−1 (feature 0 the most important).</summary>
    public static float[] Importance(int n_features, double importance_base)
    {
        var result = new float[n_features];
        for (var i = 0; i < n_features; i++) result[i] = (float)Math.Pow(importance_base, i);
        return result;
    }
}
