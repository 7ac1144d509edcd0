using Archive.Engine.Superposition;
using static TorchSharp.torch;

namespace Archive.Engine.Training;

/// <summary>
/// One toy-model run. Defaults are the paper's introductory experiment: n = 5, m = 2, β = 0.9, AdamW lr 1e-3,
/// batch 1024, 10,000 steps (weight decay 0.01 is PyTorch's AdamW default, which the paper's notebook keeps).
/// </summary>
public sealed record ToyModelTrainingOptions
{
    public int n_features { get; init; } = 5;
    public int d_hidden { get; init; } = 2;
    /// <summary>S: the probability that a feature is 0 in a sample.</summary>
    public double Sparsity { get; init; }
    /// <summary>β in I_i = β^i.</summary>
    public double ImportanceBase { get; init; } = 0.9;
    public int Steps { get; init; } = 10_000;
    public int BatchSize { get; init; } = 1024;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Seeds the initial W (first draw) and then every training batch, from one CPU generator.</summary>
    public long Seed { get; init; }
    /// <summary>The evaluation batch is drawn from its own generator seeded with <see cref="Seed"/> + 1.</summary>
    public int EvaluationSamples { get; init; } = 10_000;
    /// <summary>Report progress (and record a point of the loss curve) every this many steps.</summary>
    public int ReportEvery { get; init; } = 100;

    public void Validate()
    {
        if (n_features <= 0) throw new ArgumentException("n_features must be positive.");
        if (d_hidden <= 0) throw new ArgumentException("d_hidden must be positive.");
        if (Sparsity is < 0 or > 1) throw new ArgumentException("Sparsity must lie in [0, 1].");
        if (ImportanceBase <= 0) throw new ArgumentException("ImportanceBase must be positive.");
        if (Steps < 0) throw new ArgumentException("Steps must not be negative.");
        if (BatchSize <= 0) throw new ArgumentException("BatchSize must be positive.");
        if (EvaluationSamples <= 0) throw new ArgumentException("EvaluationSamples must be positive.");
        if (ReportEvery <= 0) throw new ArgumentException("ReportEvery must be positive.");
    }
}

/// <summary>One point of a training loss curve.</summary>
public sealed record LossPoint(int Step, double Loss);

/// <param name="InitialLoss">Importance-weighted loss on the evaluation batch before training.</param>
/// <param name="FinalLoss">The same after training.</param>
/// <param name="LossCurve">(step, training-batch loss) every <see cref="ToyModelTrainingOptions.ReportEvery"/> steps and at the last step.</param>
public sealed record ToyModelTrainingResult(
    ToyModelTrainingOptions Options,
    ToyModel Model,
    double InitialLoss,
    double FinalLoss,
    LossPoint[] LossCurve,
    SuperpositionMeasures Measures);

/// <summary>Trains <see cref="ToyModel"/>s on <see cref="SyntheticFeatures"/>, deterministically for a given seed.</summary>
public static class SuperpositionTraining
{
    /// <summary>loss = Σ_i I_i (x_i − x̂_i)², averaged over the batch. x, x̂: [batch, n]; importance: [n].</summary>
    public static Tensor WeightedLoss(Tensor x, Tensor x_hat, Tensor importance) =>
        (x - x_hat).square().mul(importance).sum(1).mean();

    public static ToyModelTrainingResult Train(
        ToyModelTrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        Device? device = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        device ??= CPU;
        var runName = $"toy-model n={options.n_features} m={options.d_hidden} S={options.Sparsity}";
        var generator = new Generator((ulong)options.Seed);
        var evalGenerator = new Generator((ulong)(options.Seed + 1));

        var model = new ToyModel(options.n_features, options.d_hidden, generator, device);
        using var importance = tensor(SyntheticFeatures.Importance(options.n_features, options.ImportanceBase)).to(device);
        using var evalBatch = SyntheticFeatures.Sample(options.EvaluationSamples, options.n_features, options.Sparsity, evalGenerator, device);

        double Evaluate()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return WeightedLoss(evalBatch, model.forward(evalBatch), importance).item<float>();
        }

        var initialLoss = Evaluate();
        var curve = new List<LossPoint>();
        using (var optimizer = optim.AdamW(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay))
        {
            for (var step = 1; step <= options.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var x = SyntheticFeatures.Sample(options.BatchSize, options.n_features, options.Sparsity, generator, device);
                optimizer.zero_grad();
                var loss = WeightedLoss(x, model.forward(x), importance);
                loss.backward();
                optimizer.step();
                if (step % options.ReportEvery == 0 || step == options.Steps)
                {
                    var value = loss.item<float>();
                    curve.Add(new LossPoint(step, value));
                    progress?.Report(new TrainingProgress(runName, step, options.Steps, value));
                }
            }
        }

        var finalLoss = Evaluate();
        return new ToyModelTrainingResult(options, model, initialLoss, finalLoss, curve.ToArray(), SuperpositionMeasures.Compute(model));
    }
}
