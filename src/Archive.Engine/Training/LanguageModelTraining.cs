using Archive.Engine.Saes;
using Archive.Engine.Transformer;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Engine.Training;

/// <summary>Next-token training of a <see cref="HookedTransformer"/> on one token stream, in random windows.</summary>
public sealed record LanguageModelTrainingOptions
{
    public required HookedTransformerConfig Model { get; init; }
    /// <summary>Window length; n_ctx when null.</summary>
    public int? ContextLength { get; init; }
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Clip the global gradient norm to this value; null for no clipping.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;
    /// <summary>
    /// Seeds the initial weights (<see cref="HookedTransformer.Create"/>) and, through a CPU generator seeded with the
    /// same value, the window starts: step s draws BatchSize starts uniformly from [0, stream length − window].
    /// </summary>
    public long Seed { get; init; }
    /// <summary>Loss before and after training is the mean over this many windows drawn with seed Seed + 1.</summary>
    public int EvaluationWindows { get; init; } = 64;
    public int ReportEvery { get; init; } = 50;

    public int Window => ContextLength ?? Model.n_ctx;

    public void Validate(int streamLength)
    {
        Model.Validate();
        if (Window < 2 || Window > Model.n_ctx) throw new ArgumentException($"ContextLength must lie in [2, n_ctx = {Model.n_ctx}].");
        if (streamLength < Window) throw new ArgumentException($"The token stream ({streamLength} tokens) is shorter than one window ({Window}).");
        if (Steps < 0 || BatchSize <= 0 || EvaluationWindows <= 0 || ReportEvery <= 0 || LearningRate <= 0)
            throw new ArgumentException("Steps must be ≥ 0; BatchSize, EvaluationWindows, ReportEvery and LearningRate positive.");
    }
}

/// <param name="TokenStreamSha256">SHA-256 of the stream as little-endian int32 (see <see cref="TokenSetRecord.Hash"/>).</param>
/// <param name="InitialLoss">Mean next-token cross-entropy on the evaluation windows before training.</param>
/// <param name="FinalLoss">The same after training.</param>
public sealed record LanguageModelTrainingResult(
    LanguageModelTrainingOptions Options,
    HookedTransformer Model,
    string TokenStreamSha256,
    long StreamLength,
    double InitialLoss,
    double FinalLoss,
    LossPoint[] LossCurve);

public static class LanguageModelTraining
{
    /// <summary>Mean cross-entropy of each position's logits against the next token. tokens: [batch, pos] int64.</summary>
    public static Tensor NextTokenLoss(HookedTransformer model, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(tokens); // [batch, pos, d_vocab]
        var n = tokens.shape[1];
        var loss = nn.functional.cross_entropy(
            logits.narrow(1, 0, n - 1).reshape(-1, logits.shape[^1]),
            tokens.narrow(1, 1, n - 1).reshape(-1));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Windows [starts.Length, window] of <paramref name="stream"/> (int64, on its device) at the given starts.</summary>
    public static Tensor Windows(Tensor stream, Tensor starts, int window)
    {
        using var scope = NewDisposeScope();
        var index = starts.unsqueeze(1) + arange(window, int64, stream.device).unsqueeze(0); // [batch, window]
        return stream.index_select(0, index.reshape(-1)).reshape(starts.shape[0], window).MoveToOuterDisposeScope();
    }

    public static LanguageModelTrainingResult Train(
        int[] tokenStream,
        LanguageModelTrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        Device? device = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate(tokenStream.Length);
        var config = options.Model;
        if (tokenStream.Any(t => t < 0 || t >= config.d_vocab))
            throw new ArgumentException($"The token stream holds ids outside [0, d_vocab = {config.d_vocab}).", nameof(tokenStream));
        device ??= EngineDevice.Default;
        var window = options.Window;
        var hash = TokenSetRecord.Hash([tokenStream]);

        var model = HookedTransformer.Create(config, options.Seed, device);
        try
        {
            using var stream = tensor(tokenStream.Select(t => (long)t).ToArray()).to(device);
            var maxStart = tokenStream.Length - window + 1; // randint's high is exclusive
            var generator = new Generator(unchecked((ulong)options.Seed));
            var evalGenerator = new Generator(unchecked((ulong)(options.Seed + 1)));
            using var evalStarts = randint(0, maxStart, [options.EvaluationWindows], int64, CPU, generator: evalGenerator).to(device);
            using var evalTokens = Windows(stream, evalStarts, window);

            double Evaluate()
            {
                using var _ = no_grad();
                using var scope = NewDisposeScope();
                double total = 0;
                const int chunk = 32;
                for (long s = 0; s < evalTokens.shape[0]; s += chunk)
                {
                    var batch = evalTokens.narrow(0, s, Math.Min(chunk, evalTokens.shape[0] - s));
                    total += NextTokenLoss(model, batch).item<float>() * batch.shape[0];
                }
                return total / evalTokens.shape[0];
            }

            var initial = Evaluate();
            var curve = new List<LossPoint>();
            var run = $"language model {config.n_layers}l d_model={config.d_model} window={window}";
            using (var optimizer = optim.AdamW(model.Parameters(), options.LearningRate, weight_decay: options.WeightDecay))
            {
                for (var step = 1; step <= options.Steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var starts = randint(0, maxStart, [options.BatchSize], int64, CPU, generator: generator).to(device);
                    var tokens = Windows(stream, starts, window); // [batch, window]
                    optimizer.zero_grad();
                    var loss = NextTokenLoss(model, tokens);
                    loss.backward();
                    if (options.MaxGradNorm is { } maxNorm) nn.utils.clip_grad_norm_(model.Parameters(), maxNorm);
                    optimizer.step();
                    if (step % options.ReportEvery == 0 || step == options.Steps)
                    {
                        var value = loss.item<float>();
                        curve.Add(new LossPoint(step, value));
                        progress?.Report(new TrainingProgress(run, step, options.Steps, value));
                    }
                }
            }
            var final = Evaluate();
            return new LanguageModelTrainingResult(options, model, hash, tokenStream.Length, initial, final, curve.ToArray());
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
