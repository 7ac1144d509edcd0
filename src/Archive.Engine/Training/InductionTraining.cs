using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Training;

/// <summary>
/// An attention-only transformer trained on <c>BOS + r + r</c> until induction heads form. Defaults: 2 layers, 8 heads,
/// d_model 128 (d_head 16), LN, vocabulary 64, L = 16, AdamW lr 1e-3, batch 64, 1,100 steps (about 2.5 minutes on
/// two CPU cores; induction ≈ 0.8 in layer 1, previous-token ≈ 0.5 in layer 0).
/// </summary>
public sealed record InductionTrainingOptions
{
    public int n_layers { get; init; } = 2;
    public int n_heads { get; init; } = 8;
    public int d_model { get; init; } = 128;
    public int d_head { get; init; } = 16;
    public int d_vocab { get; init; } = 64;
    /// <summary>"LN" or null.</summary>
    public string? normalization_type { get; init; } = "LN";
    /// <summary>L, the length of the repeated block; n_ctx = 1 + 2L.</summary>
    public int RepeatLength { get; init; } = 16;
    /// <summary>The BOS token id at position 0 of every sequence.</summary>
    public int Bos { get; init; }
    public int Steps { get; init; } = 1_100;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Seeds torch (init: <see cref="HookedTransformer.Create"/>) and the data stream (<see cref="SplitMix64"/>):
    /// step s's batch is the s-th batch of <c>RepeatedTokens.Generate</c> draws from one generator seeded with Seed.</summary>
    public long Seed { get; init; }
    public int ReportEvery { get; init; } = 50;
    /// <summary>Head scores after training use their own inputs: this batch size and seed Seed + 1.</summary>
    public int EvaluationBatch { get; init; } = 32;

    public HookedTransformerConfig ModelConfig() => new()
    {
        n_layers = n_layers, d_model = d_model, n_heads = n_heads, d_head = d_head, d_vocab = d_vocab,
        n_ctx = 1 + 2 * RepeatLength, attn_only = true, normalization_type = normalization_type,
        model_name = $"induction-{n_layers}l-attn-only", seed = (int)Seed,
    };

    public void Validate()
    {
        if (Steps < 0) throw new ArgumentException("Steps must not be negative.");
        if (BatchSize <= 0 || EvaluationBatch <= 0) throw new ArgumentException("Batch sizes must be positive.");
        if (RepeatLength < 2) throw new ArgumentException("RepeatLength must be at least 2.");
        if (Bos < 0 || Bos >= d_vocab) throw new ArgumentException("Bos must be a token of the vocabulary.");
        if (ReportEvery <= 0) throw new ArgumentException("ReportEvery must be positive.");
        ModelConfig().Validate();
    }
}

/// <param name="LossCurve">(step, training-batch loss) every ReportEvery steps and at the last step.</param>
/// <param name="Scores">Induction, duplicate- and previous-token scores of the trained model (inputs recorded inside).</param>
public sealed record InductionTrainingResult(
    InductionTrainingOptions Options,
    HookedTransformer Model,
    LossPoint[] LossCurve,
    double FinalLoss,
    HeadScoresResult Scores);

public static class InductionTraining
{
    public static InductionTrainingResult Train(
        InductionTrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        Device? device = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        device ??= EngineDevice.Default;
        var config = options.ModelConfig();
        random.manual_seed(options.Seed);
        var model = HookedTransformer.Create(config, options.Seed, device);
        try
        {
            var data = new SplitMix64(unchecked((ulong)options.Seed));
            using var optimizer = optim.AdamW(model.Parameters(), options.LearningRate, weight_decay: options.WeightDecay);
            string run = $"induction {config.n_layers}l×{config.n_heads}h d_model={config.d_model}";
            var curve = new List<LossPoint>();
            double last = double.NaN;
            for (int step = 1; step <= options.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = RepeatedTokens.Generate(options.BatchSize, options.RepeatLength, config.d_vocab, data, options.Bos);
                var tokens = TokenTensor.From(batch, device);
                var logits = model.Forward(tokens); // [batch, pos, d_vocab]
                long n = tokens.shape[1];
                var loss = nn.functional.cross_entropy(
                    logits.narrow(1, 0, n - 1).reshape(-1, config.d_vocab),
                    tokens.narrow(1, 1, n - 1).reshape(-1));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                if (step % options.ReportEvery == 0 || step == options.Steps)
                {
                    last = loss.item<float>();
                    curve.Add(new LossPoint(step, last));
                    progress?.Report(new TrainingProgress(run, step, options.Steps, last));
                }
            }
            var scores = HeadScores.Run(model, options.EvaluationBatch, options.RepeatLength, options.Seed + 1, options.Bos);
            return new InductionTrainingResult(options, model, [.. curve], last, scores);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
