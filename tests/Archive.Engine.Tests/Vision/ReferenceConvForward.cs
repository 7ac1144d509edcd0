using Archive.Engine.Tests.Transformer;
using Archive.Engine.Vision;

namespace Archive.Engine.Tests.Vision;

/// <summary>
/// Section 9's forward pass written out with loops over doubles, independent of the tensor code, for one image: the
/// config's layers in order, zero padding, max-pooling over the window's in-range pixels, row-major flatten.
/// </summary>
internal static class ReferenceConvForward
{
    /// <param name="Activations">Every hook point's activation, flattened row-major ([c, h, w] or [features]).</param>
    public sealed record Result(double[] Logits, Dictionary<string, double[]> Activations);

    /// <param name="image">[c][h][w].</param>
    /// <param name="zeroed">Channels set to 0 at a layer's output (zero-ablation), by layer name.</param>
    public static Result Run(ConvNet net, double[][][] image, IReadOnlyDictionary<string, int[]>? zeroed = null)
    {
        var activations = new Dictionary<string, double[]>();
        double[][][]? map = image;
        double[]? vector = null;
        string? previous = null;
        foreach (var layer in net.Config.layers)
        {
            switch (layer.type)
            {
                case "conv2d":
                    map = Conv(map!, TestModels.Flat(net.Param(layer.name + ".weight")), TestModels.Flat(net.Param(layer.name + ".bias")),
                        layer.@out!.Value, layer.kernel!.Value, layer.stride ?? 1, layer.padding ?? 0);
                    foreach (var c in zeroed?.GetValueOrDefault(layer.name!) ?? []) map[c] = Zeros(map[c]);
                    activations[layer.name!] = Flatten(map);
                    break;
                case "linear":
                    vector = Linear(vector!, TestModels.Flat(net.Param(layer.name + ".weight")), TestModels.Flat(net.Param(layer.name + ".bias")), layer.@out!.Value);
                    foreach (var c in zeroed?.GetValueOrDefault(layer.name!) ?? []) vector[c] = 0;
                    activations[layer.name!] = (double[])vector.Clone();
                    break;
                case "relu":
                    if (vector is not null) vector = vector.Select(v => Math.Max(0, v)).ToArray();
                    else map = map!.Select(c => c.Select(r => r.Select(v => Math.Max(0, v)).ToArray()).ToArray()).ToArray();
                    if (previous is not null) activations[previous + ".relu"] = vector is not null ? (double[])vector.Clone() : Flatten(map!);
                    break;
                case "maxpool":
                    map = MaxPool(map!, layer.kernel!.Value, layer.stride ?? layer.kernel!.Value, layer.padding ?? 0);
                    break;
                case "flatten":
                    vector = Flatten(map!);
                    map = null;
                    break;
            }
            previous = layer.name;
        }
        return new Result(vector!, activations);
    }

    private static double[][][] Conv(double[][][] x, double[] w, double[] b, int outChannels, int k, int stride, int padding)
    {
        int inChannels = x.Length, h = x[0].Length, wd = x[0][0].Length;
        int oh = (h + 2 * padding - k) / stride + 1, ow = (wd + 2 * padding - k) / stride + 1;
        var y = new double[outChannels][][];
        for (int o = 0; o < outChannels; o++)
        {
            y[o] = new double[oh][];
            for (int i = 0; i < oh; i++)
            {
                y[o][i] = new double[ow];
                for (int j = 0; j < ow; j++)
                {
                    double s = b[o];
                    for (int c = 0; c < inChannels; c++)
                        for (int di = 0; di < k; di++)
                            for (int dj = 0; dj < k; dj++)
                            {
                                int r = i * stride + di - padding, q = j * stride + dj - padding;
                                if (r < 0 || r >= h || q < 0 || q >= wd) continue;
                                s += w[((o * inChannels + c) * k + di) * k + dj] * x[c][r][q];
                            }
                    y[o][i][j] = s;
                }
            }
        }
        return y;
    }

    private static double[][][] MaxPool(double[][][] x, int k, int stride, int padding)
    {
        int h = x[0].Length, wd = x[0][0].Length;
        int oh = (h + 2 * padding - k) / stride + 1, ow = (wd + 2 * padding - k) / stride + 1;
        return x.Select(channel =>
        {
            var y = new double[oh][];
            for (int i = 0; i < oh; i++)
            {
                y[i] = new double[ow];
                for (int j = 0; j < ow; j++)
                {
                    double m = double.NegativeInfinity;
                    for (int di = 0; di < k; di++)
                        for (int dj = 0; dj < k; dj++)
                        {
                            int r = i * stride + di - padding, q = j * stride + dj - padding;
                            if (r >= 0 && r < h && q >= 0 && q < wd) m = Math.Max(m, channel[r][q]);
                        }
                    y[i][j] = m;
                }
            }
            return y;
        }).ToArray();
    }

    private static double[] Linear(double[] x, double[] w, double[] b, int outputs)
    {
        var y = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double s = b[o];
            for (int i = 0; i < x.Length; i++) s += w[o * x.Length + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private static double[] Flatten(double[][][] x) => x.SelectMany(c => c.SelectMany(r => r)).ToArray();

    private static double[][] Zeros(double[][] channel) => channel.Select(r => new double[r.Length]).ToArray();
}
