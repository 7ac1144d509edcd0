using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using Archive.Formats.Models;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Archive.Benchmarks;

/// <summary>The evidence methods on a 2-layer attention-only model (d_model 128, 8 heads): the per-head scores on
/// BOS + r + r (batch 32, L = 16), the weight-only composition and copying scores.</summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class InductionScoreBenchmarks
{
    private HookedTransformer _model = null!;

    [GlobalSetup]
    public void Setup() => _model = HookedTransformer.Create(new HookedTransformerConfig
    {
        n_layers = 2, d_model = 128, n_heads = 8, d_head = 16, d_vocab = 64, n_ctx = 33, attn_only = true, normalization_type = "LN",
    }, seed: 0);

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Baseline = true)]
    public double HeadScores_batch32_L16() => HeadScores.Run(_model, batch: 32, repeatLength: 16, seed: 1, bos: 0).Induction[1][0];

    [Benchmark]
    public double InContextLearning_batch32_L16() => LossScores.InContextLearning(_model, batch: 32, repeatLength: 16, seed: 1, bos: 0).Score;

    [Benchmark]
    public double KComposition() => WeightScores.CompositionScores(_model, CompositionKind.K).Scores[0][0][1][0];

    [Benchmark]
    public double CopyingScores() => WeightScores.CopyingScores(_model).Full[1][0];
}

/// <summary>In-process, for the reason given on <see cref="TokensConfig"/>.</summary>
public sealed class InProcessConfig : ManualConfig
{
    public InProcessConfig() =>
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10));
}
