using System.Text.Json.Serialization;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>Cross-entropy of the true next token at every position i in [0, n−1): Loss[b][i] = −log softmax(logits[b, i])[tokens[b, i+1]].</summary>
public sealed record PerPositionLossResult
{
    public required int[][] Tokens { get; init; }
    public required double[][] Loss { get; init; }
    /// <summary>Mean over batch and positions.</summary>
    public required double MeanLoss { get; init; }
}

/// <summary>
/// In-context learning score on <c>prefix + r + r</c>: mean loss over the positions whose next token lies in the first
/// copy of r (i in [max(p−1, 0), p+L−1)) minus mean loss over those whose next token lies in the second copy
/// (i in [p+L−1, p+2L−1)).
/// </summary>
public sealed record InContextLearningResult
{
    public required RepeatedTokens Inputs { get; init; }
    public required double FirstCopyLoss { get; init; }
    public required double SecondCopyLoss { get; init; }
    public required double Score { get; init; }
    /// <summary>Mean over the batch at each predicting position i in [0, n−1).</summary>
    public required double[] LossByPosition { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<MetricKind>))]
public enum MetricKind
{
    /// <summary>Mean next-token cross-entropy over the batch and every position (or, with
    /// <see cref="MetricSpec.LossPositions"/>, over the per-position losses [start, end)).</summary>
    Loss,
    /// <summary>Mean over the batch of logits[b, pos_b, correct_b] − logits[b, pos_b, incorrect_b].</summary>
    LogitDifference,
}

/// <summary>What ablation and patching measure. For <see cref="MetricKind.LogitDifference"/>, one correct and one
/// incorrect token per sequence, at <see cref="AnswerPositions"/> (default: each sequence's last position).</summary>
public sealed record MetricSpec
{
    public required MetricKind Kind { get; init; }
    public int[]? CorrectTokens { get; init; }
    public int[]? IncorrectTokens { get; init; }
    public int[]? AnswerPositions { get; init; }
    /// <summary>For <see cref="MetricKind.Loss"/>: the range [start, end) of per-position losses to average, where
    /// loss i predicts token i+1 (so the second copy of <c>prefix + r + r</c> is [p+L−1, p+2L−1)).</summary>
    public (int Start, int End)? LossPositions { get; init; }

    public static MetricSpec Loss { get; } = new() { Kind = MetricKind.Loss };

    public static MetricSpec LossOver(int start, int end) => new() { Kind = MetricKind.Loss, LossPositions = (start, end) };

    public static MetricSpec LogitDifference(int[] correct, int[] incorrect, int[]? answerPositions = null) =>
        new() { Kind = MetricKind.LogitDifference, CorrectTokens = correct, IncorrectTokens = incorrect, AnswerPositions = answerPositions };

    internal void Validate(int batch, int n)
    {
        if (Kind == MetricKind.Loss)
        {
            if (LossPositions is { } r && (r.Start < 0 || r.End > n - 1 || r.Start >= r.End))
                throw new ArgumentException($"Loss positions [{r.Start}, {r.End}) must lie in [0, {n - 1}).");
            return;
        }
        if (CorrectTokens?.Length != batch || IncorrectTokens?.Length != batch)
            throw new ArgumentException($"A logit difference needs one correct and one incorrect token per sequence ({batch}).");
        if (AnswerPositions is not null && (AnswerPositions.Length != batch || AnswerPositions.Any(p => p < 0 || p >= n)))
            throw new ArgumentException($"Answer positions must be one per sequence, each in [0, {n}).");
    }

    internal int AnswerPosition(int b, int n) => AnswerPositions?[b] ?? n - 1;

    /// <summary>The metric's value for logits [batch, pos, d_vocab] of the given tokens [batch, pos].</summary>
    public double Evaluate(Tensor logits, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        if (Kind == MetricKind.Loss)
        {
            var losses = LossScores.PerPositionLoss(logits, tokens);
            if (LossPositions is { } r) losses = losses.narrow(1, r.Start, r.End - r.Start);
            return losses.mean().item<double>();
        }
        int batch = (int)logits.shape[0], n = (int)logits.shape[1];
        var cpu = logits.to(ScalarType.Float64, CPU);
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            int pos = AnswerPosition(b, n);
            sum += cpu[b, pos, CorrectTokens![b]].item<double>() - cpu[b, pos, IncorrectTokens![b]].item<double>();
        }
        return sum / batch;
    }
}

public static class LossScores
{
    /// <summary>[batch, pos−1] float64 losses of logits [batch, pos, d_vocab] against tokens [batch, pos].</summary>
    public static Tensor PerPositionLoss(Tensor logits, Tensor tokens)
    {
        long n = logits.shape[1];
        var logProbs = logits.narrow(1, 0, n - 1).to(ScalarType.Float64).log_softmax(-1);
        var next = tokens.narrow(1, 1, n - 1).to(ScalarType.Int64, logits.device).unsqueeze(-1);
        return -logProbs.gather(-1, next).squeeze(-1);
    }

    public static PerPositionLossResult PerPositionLoss(HookedTransformer model, int[][] tokens)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var t = TokenTensor.From(tokens, model.Device);
        var loss = PerPositionLoss(model.RunWithHooks(t), t).cpu();
        var rows = Enumerable.Range(0, tokens.Length).Select(b => HeadScores.ToDoubles(loss[b])).ToArray();
        return new PerPositionLossResult { Tokens = tokens, Loss = rows, MeanLoss = loss.mean().item<double>() };
    }

    public static InContextLearningResult InContextLearning(HookedTransformer model, int batch, int repeatLength, long seed, int? bos = null) =>
        InContextLearning(model, RepeatedTokens.Generate(batch, repeatLength, model.Config.d_vocab, seed, bos));

    public static InContextLearningResult InContextLearning(HookedTransformer model, RepeatedTokens inputs)
    {
        int p = inputs.PrefixLength, L = inputs.RepeatLength;
        if (L < 2 && p == 0) throw new ArgumentException("With no prefix, L must be at least 2 so the first copy has a predicted token.", nameof(inputs));
        var losses = PerPositionLoss(model, inputs.Tokens).Loss;
        var byPosition = Enumerable.Range(0, losses[0].Length).Select(i => losses.Average(row => row[i])).ToArray();
        int firstStart = Math.Max(p - 1, 0), firstEnd = p + L - 1, secondStart = p + L - 1, secondEnd = p + 2 * L - 1;
        double first = byPosition[firstStart..firstEnd].Average();
        double second = byPosition[secondStart..secondEnd].Average();
        return new InContextLearningResult
        {
            Inputs = inputs, FirstCopyLoss = first, SecondCopyLoss = second, Score = first - second, LossByPosition = byPosition,
        };
    }
}
