using TorchSharp;

namespace Archive.Engine;

/// <summary>Where tensors live: CUDA when TorchSharp reports a usable GPU, otherwise the CPU.</summary>
public static class EngineDevice
{
    public static torch.Device Default { get; } = torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    /// <summary>"cuda" or "cpu", for provenance records.</summary>
    public static string Name => Default.type == DeviceType.CUDA ? "cuda" : "cpu";

    /// <summary>The libtorch version TorchSharp loaded, for provenance records.</summary>
    public static string LibTorchVersion => torch.__version__;
}

/// <summary>
/// Runs each kind of operation the evidence methods use once, on small tensors, so the first real run does not pay for
/// the native thread pools' start-up and the first-call costs of each kernel and its managed wrapper.
/// </summary>
public static class EngineWarmUp
{
    public static void Run()
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var device = EngineDevice.Default;
        var x = torch.randn([8, 64, 64], generator: new torch.Generator(0), device: device);
        var w = torch.randn([64, 256], generator: new torch.Generator(1), device: device);
        var h = x.matmul(w);                                                       // projections
        var scores = x.matmul(x.transpose(1, 2)).masked_fill(torch.ones(64, 64, torch.ScalarType.Bool, device).triu(1), double.NegativeInfinity);
        scores.softmax(-1).sum().item<float>();                                     // attention, pattern seen
        var heads = x.view(8, 64, 4, 16).permute(0, 2, 1, 3);
        torch.nn.functional.scaled_dot_product_attention(heads, heads, heads, null, 0.0, is_casual: true).sum().item<float>(); // attention, fused
        torch.nn.functional.layer_norm(x, [64], torch.ones(64, device: device), torch.zeros(64, device: device), 1e-5).sum().item<float>();
        torch.nn.functional.gelu(h, TorchSharp.Modules.GELU.Approximate.tanh, inplace: false).mean().item<float>(); // gelu_new
        var (values, indices) = h.reshape(-1, 256).topk(8, dim: -1, largest: true, sorted: false); // TopK SAEs
        torch.nn.functional.relu(values).gt(0).cpu().masked_select(torch.ones_like(values, torch.ScalarType.Bool).cpu()).sum().item<long>();
        h.reshape(-1, 256).log_softmax(-1).gather(1, indices[.., ..1]).mean().item<float>(); // losses
    }
}
