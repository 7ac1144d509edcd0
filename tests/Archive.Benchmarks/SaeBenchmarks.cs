using Archive.Formats.SaeLens;
using Archive.Engine;
using Archive.Engine.Saes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Benchmarks;

/// <summary>
/// SAE encoding throughput against a plain matmul of the same shape ([Tokens, d_in]·[d_in, d_sae]), in one run.
/// Each benchmark encodes <see cref="Tokens"/> activations; OperationsPerInvoke makes Mean a per-token time and the
/// Op/s column tokens per second. Run: <c>dotnet run -c Release --project tests/Archive.Benchmarks -- --filter '*Sae*'</c>.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class SaeBenchmarks : IDisposable
{
    public const int Tokens = 1024;

    [Params(512)]
    public int d_in { get; set; }

    [Params(4096)]
    public int d_sae { get; set; }

    private Tensor _x = null!;
    private Tensor _W = null!;
    private SparseAutoencoder _standard = null!;
    private SparseAutoencoder _topk = null!;
    private SparseAutoencoder _jumprelu = null!;
    private Device _device = null!;

    /// <summary>
    /// In-process: BenchmarkDotNet's default toolchain builds a fresh project whose copy of libLibTorchSharp.so misses
    /// the GLIBCXX patch of Directory.Build.targets (so TorchSharp cannot load there on Debian 12).
    /// </summary>
    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _device = EngineDevice.Default;
        var generator = new Generator(0);
        _x = randn(new long[] { Tokens, d_in }, generator: generator).to(_device);
        SparseAutoencoder Make(string architecture) => new(
            new SaeLensConfig { architecture = architecture, d_in = d_in, d_sae = d_sae, k = architecture == SaeLensConfig.TopK ? 32 : null },
            _device, new Generator(1));
        _standard = Make(SaeLensConfig.Standard);
        _topk = Make(SaeLensConfig.TopK);
        _jumprelu = Make(SaeLensConfig.JumpReLU);
        _W = _standard.W_enc.detach().clone();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Tokens)]
    public void MatmulBaseline()
    {
        using var _ = no_grad();
        using var y = matmul(_x, _W);
        Sync();
    }

    [Benchmark(OperationsPerInvoke = Tokens)]
    public void EncodeStandard() => Encode(_standard);

    [Benchmark(OperationsPerInvoke = Tokens)]
    public void EncodeTopK() => Encode(_topk);

    [Benchmark(OperationsPerInvoke = Tokens)]
    public void EncodeJumpReLU() => Encode(_jumprelu);

    private void Encode(SparseAutoencoder sae)
    {
        using var _ = no_grad();
        using var f = sae.Encode(_x);
        Sync();
    }

    private void Sync()
    {
        if (_device.type == DeviceType.CUDA) cuda.synchronize();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _x?.Dispose();
        _W?.Dispose();
        _standard?.Dispose();
        _topk?.Dispose();
        _jumprelu?.Dispose();
        GC.SuppressFinalize(this);
    }
}
