using Archive.Formats.SaeLens;
using Archive.Engine.Saes;
using static TorchSharp.torch;

namespace Archive.Engine.Training;

/// <summary>
/// One SAE training run on cached activations. Defaults follow SAELens where it has one (Adam, lr 3e-4,
/// β = (0.9, 0.999), the L1 penalty weighted by decoder-row norms).
/// </summary>
public sealed record SaeTrainingOptions
{
    public required int d_sae { get; init; }
    /// <summary><c>standard</c> (ReLU + L1 penalty) or <c>topk</c> (no penalty; sparsity by construction).</summary>
    public string Architecture { get; init; } = SaeLensConfig.Standard;
    /// <summary>TopK only.</summary>
    public int? K { get; init; }
    /// <summary>Standard only: loss = MSE + L1Coefficient · Σ_i f_i ‖W_dec[i]‖, averaged over the batch.</summary>
    public double L1Coefficient { get; init; } = 1e-3;
    /// <summary>The L1 coefficient rises linearly from 0 over this many steps.</summary>
    public int L1WarmUpSteps { get; init; }
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 1024;
    public double LearningRate { get; init; } = 3e-4;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Seeds the initial weights (first) and then the shuffling of the activations, from one CPU generator.</summary>
    public long Seed { get; init; }
    /// <summary>b_dec starts at the activations' mean (else 0).</summary>
    public bool InitDecoderBiasToMean { get; init; } = true;
    public bool apply_b_dec_to_input { get; init; } = true;
    /// <summary>Metrics before and after training are computed on at most this many activations (the first ones).</summary>
    public int EvaluationTokens { get; init; } = 65_536;
    public int ReportEvery { get; init; } = 100;
    /// <summary>Written into the SAE's cfg.json.</summary>
    public string? HookName { get; init; }
    public string? ModelName { get; init; }

    public void Validate(int d_in)
    {
        if (d_in <= 0) throw new ArgumentException("The activations must have a positive width d_in.");
        if (d_sae <= 0) throw new ArgumentException("d_sae must be positive.");
        if (Architecture is not (SaeLensConfig.Standard or SaeLensConfig.TopK))
            throw new ArgumentException($"SAE training supports standard and topk (got '{Architecture}').");
        if (Architecture == SaeLensConfig.TopK && (K is null || K <= 0 || K > d_sae))
            throw new ArgumentException("TopK training needs K in [1, d_sae].");
        if (Steps < 0 || BatchSize <= 0 || LearningRate <= 0 || EvaluationTokens <= 0 || ReportEvery <= 0 || L1Coefficient < 0)
            throw new ArgumentException("Steps must be ≥ 0; BatchSize, LearningRate, EvaluationTokens and ReportEvery positive; L1Coefficient ≥ 0.");
    }
}

/// <summary>How well an SAE reconstructs a set of activations.</summary>
/// <param name="Mse">Mean over tokens and dimensions of (x − x̂)².</param>
/// <param name="L0">Mean number of features with f_i &gt; 0 per token.</param>
/// <param name="ExplainedVariance">1 − Σ‖x − x̂‖² / Σ‖x − mean(x)‖², sums over tokens and dimensions.</param>
/// <param name="Tokens">How many activations were evaluated.</param>
public sealed record SaeEvaluation(double Mse, double L0, double ExplainedVariance, long Tokens);

public sealed record SaeTrainingResult(
    SaeTrainingOptions Options,
    SparseAutoencoder Sae,
    SaeEvaluation Initial,
    SaeEvaluation Final,
    LossPoint[] LossCurve);

/// <summary>Trains <see cref="SparseAutoencoder"/>s on cached activations [N, d_in], deterministically for a seed.</summary>
public static class SaeTraining
{
    public static SaeTrainingResult Train(
        Tensor activations,
        SaeTrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (activations.dim() != 2) throw new ArgumentException("activations must be [N, d_in].", nameof(activations));
        var n = activations.shape[0];
        var d_in = (int)activations.shape[1];
        options.Validate(d_in);
        if (n == 0) throw new ArgumentException("activations is empty.", nameof(activations));

        var device = activations.device;
        var generator = new Generator((ulong)options.Seed);
        var cfg = new SaeLensConfig
        {
            architecture = options.Architecture,
            d_in = d_in,
            d_sae = options.d_sae,
            k = options.Architecture == SaeLensConfig.TopK ? options.K : null,
            apply_b_dec_to_input = options.apply_b_dec_to_input,
            hook_name = options.HookName,
            model_name = options.ModelName,
        };
        var sae = new SparseAutoencoder(cfg, device, generator);
        using var data = activations.detach().to_type(float32);
        if (options.InitDecoderBiasToMean)
        {
            using var _ = no_grad();
            using var mean = data.mean([0L]);
            sae.b_dec.copy_(mean);
        }

        var initial = Evaluate(sae, data.narrow(0, 0, Math.Min(n, options.EvaluationTokens)));
        var curve = new List<LossPoint>();
        var runName = $"sae {options.Architecture} d_in={d_in} d_sae={options.d_sae}";
        using (var optimizer = optim.Adam(sae.parameters(), options.LearningRate, options.Beta1, options.Beta2))
        {
            Tensor? order = null;
            long cursor = n;
            try
            {
                for (var step = 1; step <= options.Steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    // Shuffled epochs: a fresh permutation from the generator whenever the last one is used up.
                    if (cursor + options.BatchSize > n)
                    {
                        order?.Dispose();
                        order = randperm(n, generator: generator).to(device);
                        cursor = 0;
                    }
                    using var scope = NewDisposeScope();
                    var take = Math.Min(options.BatchSize, n);
                    var x = data.index_select(0, order!.narrow(0, cursor, take)); // [batch, d_in]
                    cursor += take;

                    var l1 = options.L1WarmUpSteps > 0 ? options.L1Coefficient * Math.Min(1.0, (double)step / options.L1WarmUpSteps) : options.L1Coefficient;
                    optimizer.zero_grad();
                    var loss = Loss(sae, x, options.Architecture == SaeLensConfig.Standard ? l1 : 0);
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
            finally
            {
                order?.Dispose();
            }
        }

        var final = Evaluate(sae, data.narrow(0, 0, Math.Min(n, options.EvaluationTokens)));
        return new SaeTrainingResult(options, sae, initial, final, curve.ToArray());
    }

    /// <summary>
    /// SAELens's training loss for one batch x [batch, d_in]: Σ_d (x̂ − x)² averaged over the batch, plus
    /// <paramref name="l1Coefficient"/> · Σ_i f_i ‖W_dec[i]‖ averaged over the batch.
    /// </summary>
    public static Tensor Loss(SparseAutoencoder sae, Tensor x, double l1Coefficient)
    {
        using var scope = NewDisposeScope();
        var f = sae.Encode(x);                     // [batch, d_sae]
        var x_hat = sae.Decode(f, x);              // [batch, d_in]
        var loss = (x_hat - x).square().sum(-1).mean();
        if (l1Coefficient > 0)
            loss = loss + (f * sae.W_dec.norm(1)).sum(-1).mean() * l1Coefficient;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>MSE, L0 and explained variance of <paramref name="sae"/> on x [N, d_in], in chunks.</summary>
    public static SaeEvaluation Evaluate(SparseAutoencoder sae, Tensor x, int chunk = 8192)
    {
        using var _ = no_grad();
        var n = x.shape[0];
        double squaredError = 0, active = 0, total = 0;
        using (var scope = NewDisposeScope())
        {
            var data = x.to(sae.device).to_type(float32);
            var mean = data.mean([0L], keepdim: true);
            for (long start = 0; start < n; start += chunk)
            {
                using var inner = NewDisposeScope();
                var batch = data.narrow(0, start, Math.Min(chunk, n - start));
                var f = sae.Encode(batch);
                var x_hat = sae.Decode(f, batch).to_type(float32);
                squaredError += (x_hat - batch).square().sum(type: float64).item<double>();
                total += (batch - mean).square().sum(type: float64).item<double>();
                active += f.gt(0).sum().item<long>();
            }
        }
        var d_in = x.shape[1];
        return new SaeEvaluation(
            squaredError / (n * d_in),
            active / n,
            total == 0 ? 0 : 1 - squaredError / total,
            n);
    }
}
