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
