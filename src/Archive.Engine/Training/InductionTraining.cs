using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Training;

/// <summary>
/// An attention-only transformer trained on sequences that repeat a random block, reporting progress and the head scores.
/// Every training sequence is <c>BOS + r + r + tail</c> of length n_ctx = 1 + 2·<see cref="RepeatLength"/>, with |r|
/// drawn per sequence from [<see cref="MinRepeatLength"/>, RepeatLength] and a random tail filling the rest: with a
/// fixed |r| a single layer solves the task positionally (attending to d − L + 1) and no induction circuit forms.
/// Defaults: 2 layers, 8 heads, d_model 128 (d_head 16), LN, vocabulary 64, |r| in [2, 16], AdamW lr 1e-3 (weight decay
/// 0.01), batch 64, 1,100 steps (about a minute on two CPU cores).
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
    /// <summary>The longest repeated block, and L of the head-score evaluation; n_ctx = 1 + 2·RepeatLength.</summary>
    public int RepeatLength { get; init; } = 16;
    /// <summary>The shortest repeated block in training.</summary>
    public int MinRepeatLength { get; init; } = 2;
    /// <summary>The BOS token id at position 0 of every sequence.</summary>
    public int Bos { get; init; }
    public int Steps { get; init; } = 1_100;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Seeds torch (init: <see cref="HookedTransformer.Create"/>) and the data stream: one <see cref="SplitMix64"/>
    /// seeded with Seed draws every batch in turn (see <see cref="InductionTraining.TrainingBatch"/>).</summary>
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
        if (MinRepeatLength < 1 || MinRepeatLength > RepeatLength) throw new ArgumentException("MinRepeatLength must lie in [1, RepeatLength].");
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
    /// <summary>
    /// The next training batch from <paramref name="rng"/>. Per sequence: L = MinRepeatLength + next() mod
    /// (RepeatLength − MinRepeatLength + 1); then L tokens r (next() mod d_vocab each); then the tail, 2·(RepeatLength − L)
    /// tokens drawn the same way. The sequence is BOS, r, r, tail.
    /// </summary>
    public static int[][] TrainingBatch(InductionTrainingOptions options, SplitMix64 rng)
    {
        int maxL = options.RepeatLength, n = 1 + 2 * maxL;
        var batch = new int[options.BatchSize][];
        for (int b = 0; b < batch.Length; b++)
        {
            int L = options.MinRepeatLength + rng.NextInt(maxL - options.MinRepeatLength + 1);
            var seq = new int[n];
            seq[0] = options.Bos;
            for (int i = 0; i < L; i++) seq[1 + i] = seq[1 + L + i] = rng.NextInt(options.d_vocab);
            for (int i = 1 + 2 * L; i < n; i++) seq[i] = rng.NextInt(options.d_vocab);
            batch[b] = seq;
        }
        return batch;
    }

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
                var tokens = TokenTensor.From(TrainingBatch(options, data), device);
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
