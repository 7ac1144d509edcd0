using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Archive.Engine.Superposition;

/// <summary>
/// The ReLU output model of Elhage et al. (2022), "Toy Models of Superposition": n features squeezed into m
/// hidden dimensions and read back out, <c>h = W·x</c>, <c>x̂ = ReLU(Wᵀ·h + b)</c>.
/// </summary>
public sealed class ToyModel : nn.Module<Tensor, Tensor>
{
    /// <summary>[m, n]: column i is feature i's direction in the hidden space.</summary>
    public Parameter W { get; }

    /// <summary>[n]</summary>
    public Parameter b { get; }

    public int n_features { get; }
    public int d_hidden { get; }

    public ToyModel(int n_features, int d_hidden, Generator? generator = null, Device? device = null) : base(nameof(ToyModel))
    {
        if (n_features <= 0) throw new ArgumentOutOfRangeException(nameof(n_features), "n_features must be positive.");
        if (d_hidden <= 0) throw new ArgumentOutOfRangeException(nameof(d_hidden), "d_hidden must be positive.");
        this.n_features = n_features;
        this.d_hidden = d_hidden;
        device ??= CPU;
        // Xavier-normal initialisation, as in the paper's notebook: std = sqrt(2 / (fan_in + fan_out)).
        var std = Math.Sqrt(2.0 / (n_features + d_hidden));
        using (no_grad())
        {
            var w = randn(new long[] { d_hidden, n_features }, float32, CPU, generator: generator).mul_(std).to(device);
            W = nn.Parameter(w);
            b = nn.Parameter(zeros(n_features, float32, device));
        }
        register_parameter("W", W);
        register_parameter("b", b);
    }

    /// <summary>Builds a model around given weights (a copy is taken), e.g. a hand-set W for tests.</summary>
    public ToyModel(float[,] W, float[]? b = null) : base(nameof(ToyModel))
    {
        d_hidden = W.GetLength(0);
        n_features = W.GetLength(1);
        if (b is not null && b.Length != n_features)
            throw new ArgumentException($"b has {b.Length} entries; W has {n_features} feature columns.", nameof(b));
        this.W = nn.Parameter(tensor(W));
        this.b = nn.Parameter(b is null ? zeros(n_features) : tensor(b));
        register_parameter("W", this.W);
        register_parameter("b", this.b);
    }

    /// <summary>x: [batch, n] → x̂: [batch, n].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = matmul(x, W.t());                 // [batch, m]
        var out_ = nn.functional.relu(matmul(h, W) + b); // [batch, n]
        return out_.MoveToOuterDisposeScope();
    }

    /// <summary>W as [m][n] floats (a copy).</summary>
    public float[][] GetW() => ToRows(W);

    internal static float[][] ToRows(Tensor t)
    {
        using var cpu = t.detach().to(CPU).to_type(float32).contiguous();
        var rows = (int)cpu.shape[0];
        var cols = (int)cpu.shape[1];
        var flat = cpu.data<float>().ToArray();
        var result = new float[rows][];
        for (var r = 0; r < rows; r++)
        {
            result[r] = new float[cols];
            Array.Copy(flat, r * cols, result[r], 0, cols);
        }
        return result;
    }
}
