using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>
/// TransformerLens <c>head_detector.detect_head</c>: each head's pattern A scored against a 0/1 detection pattern P,
/// per sequence, then averaged over the sequences. Error measure <c>mul</c>: Σ(A⊙P)/ΣA; <c>abs</c>:
/// 1 − round(mean|A − P|·n, 3). <c>exclude_bos</c> zeroes A's column 0 and <c>exclude_current_token</c> its diagonal
/// first (for <c>abs</c>: those entries of |A − P|).
/// </summary>
public sealed record DetectHeadResult
{
    public required int[][] Tokens { get; init; }
    /// <summary><c>previous_token_head</c>, <c>duplicate_token_head</c>, <c>induction_head</c> or <c>custom</c>.</summary>
    public required string DetectionPattern { get; init; }
    /// <summary>The pattern used when <see cref="DetectionPattern"/> is <c>custom</c>.</summary>
    public double[][]? CustomPattern { get; init; }
    public required bool ExcludeBos { get; init; }
    public required bool ExcludeCurrentToken { get; init; }
    public required string ErrorMeasure { get; init; }
    /// <summary>[layer][head].</summary>
    public required double[][] Scores { get; init; }
}

public static class DetectHeads
{
    public static IReadOnlyList<string> NamedPatterns => Archive.Formats.Claims.HeadScoreParameters.DetectionPatterns;

    /// <summary>Scores every head against a named detection pattern built from each sequence's tokens.</summary>
    public static DetectHeadResult DetectHead(HookedTransformer model, int[][] tokens, string detectionPattern,
        bool excludeBos = false, bool excludeCurrentToken = false, string errorMeasure = "mul")
    {
        if (!NamedPatterns.Contains(detectionPattern))
            throw new ArgumentException($"Unknown detection pattern '{detectionPattern}'; expected one of {string.Join(", ", NamedPatterns)}.", nameof(detectionPattern));
        var scores = Score(model, tokens, seq => NamedPattern(detectionPattern, seq), excludeBos, excludeCurrentToken, errorMeasure);
        return new DetectHeadResult
        {
            Tokens = tokens, DetectionPattern = detectionPattern, ExcludeBos = excludeBos,
            ExcludeCurrentToken = excludeCurrentToken, ErrorMeasure = errorMeasure, Scores = scores,
        };
    }

    /// <summary>Scores every head against a custom lower-triangular [n, n] detection pattern.</summary>
    public static DetectHeadResult DetectHead(HookedTransformer model, int[][] tokens, double[][] detectionPattern,
        bool excludeBos = false, bool excludeCurrentToken = false, string errorMeasure = "mul")
    {
        int n = tokens[0].Length;
        if (detectionPattern.Length != n || detectionPattern.Any(r => r.Length != n))
            throw new ArgumentException($"The detection pattern must be [{n}, {n}].", nameof(detectionPattern));
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (detectionPattern[i][j] != 0) throw new ArgumentException("The detection pattern must be lower triangular.", nameof(detectionPattern));
        var scores = Score(model, tokens, _ => detectionPattern, excludeBos, excludeCurrentToken, errorMeasure);
        return new DetectHeadResult
        {
            Tokens = tokens, DetectionPattern = "custom", CustomPattern = detectionPattern, ExcludeBos = excludeBos,
            ExcludeCurrentToken = excludeCurrentToken, ErrorMeasure = errorMeasure, Scores = scores,
        };
    }

    /// <summary>TransformerLens's <c>get_{name}_detection_pattern(tokens)</c> for one sequence.</summary>
    public static double[][] NamedPattern(string name, int[] seq)
    {
        int n = seq.Length;
        var p = new double[n][];
        for (int i = 0; i < n; i++) p[i] = new double[n];
        switch (name)
        {
            case "previous_token_head":
                for (int i = 1; i < n; i++) p[i][i - 1] = 1;
                break;
            case "duplicate_token_head":
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < i; j++)
                        if (seq[i] == seq[j]) p[i][j] = 1;
                break;
            case "induction_head":
                // The duplicate pattern shifted one column right, first column 0, then tril (diagonal kept).
                for (int i = 0; i < n; i++)
                    for (int j = 1; j <= i; j++)
                        if (j - 1 != i && seq[i] == seq[j - 1]) p[i][j] = 1;
                break;
            default:
                throw new ArgumentException($"Unknown detection pattern '{name}'.", nameof(name));
        }
        return p;
    }

    private static double[][] Score(HookedTransformer model, int[][] tokens, Func<int[], double[][]> patternFor,
        bool excludeBos, bool excludeCurrentToken, string errorMeasure)
    {
        if (errorMeasure is not ("mul" or "abs")) throw new ArgumentException($"Error measure must be 'mul' or 'abs' (got '{errorMeasure}').", nameof(errorMeasure));
        var c = model.Config;
        int n = tokens[0].Length;
        if (n < 2) throw new ArgumentException("Sequences need at least two tokens.", nameof(tokens));
        var totals = new double[c.n_layers, c.n_heads];
        using var scope = NewDisposeScope();
        using var tokenTensor = TokenTensor.From(tokens, model.Device);
        var (_, cache) = model.RunWithCache(tokenTensor, static h => h.Point == HookPoint.Pattern);
        using (cache)
        {
            var patterns = Enumerable.Range(0, c.n_layers).Select(l => cache.Pattern(l).to(ScalarType.Float64, CPU)).ToArray();
            var diagonalMask = eye(n, dtype: ScalarType.Bool);
            for (int b = 0; b < tokens.Length; b++)
            {
                using var inner = NewDisposeScope();
                var det = tensor(patternFor(tokens[b]).SelectMany(r => r).ToArray(), [n, n], ScalarType.Float64);
                for (int l = 0; l < c.n_layers; l++)
                {
                    var a = patterns[l][b]; // [head, n, n]
                    Tensor ScoreMul()
                    {
                        var x = a.clone();
                        if (excludeBos) x.index_put_(0.0, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Single(0));
                        if (excludeCurrentToken) x = x.masked_fill(diagonalMask, 0.0);
                        return (x * det).sum([-2, -1]) / x.sum([-2, -1]);
                    }
                    Tensor ScoreAbs()
                    {
                        var diff = (a - det).abs();
                        if (excludeBos) diff.index_put_(0.0, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Single(0));
                        if (excludeCurrentToken) diff = diff.masked_fill(diagonalMask, 0.0);
                        var raw = diff.mean([-2, -1]) * n;
                        return 1.0 - raw.mul(1000).round().div(1000);
                    }
                    var s = HeadScores.ToDoubles(errorMeasure == "mul" ? ScoreMul() : ScoreAbs());
                    for (int h = 0; h < c.n_heads; h++) totals[l, h] += s[h];
                }
            }
        }
        return Enumerable.Range(0, c.n_layers)
            .Select(l => Enumerable.Range(0, c.n_heads).Select(h => totals[l, h] / tokens.Length).ToArray()).ToArray();
    }
}
