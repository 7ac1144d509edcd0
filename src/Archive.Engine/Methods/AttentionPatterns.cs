using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>Attention patterns as plain arrays [dest][src], ready for a heatmap (zeros above the diagonal).</summary>
public sealed record AttentionPatternsResult
{
    public required int[] Tokens { get; init; }
    /// <summary>[layer][head][dest][src].</summary>
    public required float[][][][] Patterns { get; init; }
}

public static class AttentionPatterns
{
    /// <summary>Every head's pattern for one sequence.</summary>
    public static AttentionPatternsResult Run(HookedTransformer model, int[] tokens)
    {
        var c = model.Config;
        using var scope = NewDisposeScope();
        var t = TokenTensor.From([tokens], model.Device);
        var (_, cache) = model.RunWithCache(t, static h => h.Point == HookPoint.Pattern);
        using (cache)
        {
            var patterns = new float[c.n_layers][][][];
            for (int l = 0; l < c.n_layers; l++)
            {
                var layer = cache.Pattern(l)[0]; // [head, dest, src]
                patterns[l] = Enumerable.Range(0, c.n_heads).Select(h => ToHeatmap(layer[h])).ToArray();
            }
            return new AttentionPatternsResult { Tokens = tokens, Patterns = patterns };
        }
    }

    /// <summary>A [rows, cols] tensor as float[rows][cols].</summary>
    public static float[][] ToHeatmap(Tensor matrix)
    {
        if (matrix.dim() != 2) throw new ArgumentException($"Expected a matrix; got {HookedTransformer.FormatShape(matrix.shape)}.", nameof(matrix));
        using var cpu = matrix.to(ScalarType.Float32, CPU).contiguous();
        var flat = cpu.data<float>().ToArray();
        int rows = (int)matrix.shape[0], cols = (int)matrix.shape[1];
        return Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * cols, cols).ToArray()).ToArray();
    }
}
