using Archive.Engine.Transformer;
using Archive.Formats.Models;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using static TorchSharp.torch;

namespace Archive.Benchmarks;

/// <summary>
/// Forward-pass throughput with and without a full activation cache, in one run so the Ratio column compares them.
/// Each operation is one token (OperationsPerInvoke = batch × pos), so Mean is time per token and Op/s is tokens/s.
/// </summary>
[Config(typeof(TokensConfig))]
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    public const int Batch = 8;
    public const int Positions = 128;
    private const int Tokens = Batch * Positions;

    private HookedTransformer _model = null!;
    private Tensor _tokens = null!;

    /// <summary>small: 2 layers, d_model 128, 8 heads, MLP 512, vocab 1,000. medium: 4 layers, d_model 256, 8 heads, MLP 1,024, vocab 5,000.</summary>
    [Params("small", "medium")]
    public string Model { get; set; } = "small";

    [GlobalSetup]
    public void Setup()
    {
        var config = Model == "small"
            ? new HookedTransformerConfig { n_layers = 2, d_model = 128, n_heads = 8, d_head = 16, d_mlp = 512, d_vocab = 1_000, n_ctx = Positions, act_fn = "gelu_new", normalization_type = "LN" }
            : new HookedTransformerConfig { n_layers = 4, d_model = 256, n_heads = 8, d_head = 32, d_mlp = 1_024, d_vocab = 5_000, n_ctx = Positions, act_fn = "gelu_new", normalization_type = "LN" };
        _model = HookedTransformer.Create(config, seed: 0);
        _tokens = randint(0, config.d_vocab, [Batch, Positions], dtype: ScalarType.Int64, device: _model.Device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tokens.Dispose();
        _model.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Tokens)]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _model.Forward(_tokens)[0, 0, 0].item<float>();
    }

    [Benchmark(OperationsPerInvoke = Tokens)]
    public float ForwardWithFullCache()
    {
        using var scope = NewDisposeScope();
        var (logits, cache) = _model.RunWithCache(_tokens);
        using (cache) return logits[0, 0, 0].item<float>() + cache.Count;
    }

    [Benchmark(OperationsPerInvoke = Tokens)]
    public float ForwardWithPatternCache()
    {
        using var scope = NewDisposeScope();
        var (logits, cache) = _model.RunWithCache(_tokens, static h => h.Point == HookPoint.Pattern);
        using (cache) return logits[0, 0, 0].item<float>() + cache.Count;
    }
}

/// <summary>
/// In-process (BenchmarkDotNet's generated project would miss the GLIBCXX patch of libLibTorchSharp.so that
/// Directory.Build.targets applies), with Op/s as tokens per second.
/// </summary>
public sealed class TokensConfig : ManualConfig
{
    public TokensConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
