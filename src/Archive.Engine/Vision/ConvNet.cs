using Archive.Formats.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Archive.Engine.Vision;

/// <summary>
/// A small convolutional network run as its <see cref="ConvNetConfig"/> lists it, with parameters named and shaped as
/// PyTorch's <c>state_dict()</c> (<c>conv1.weight</c> [out, in, k, k], <c>fc1.weight</c> [out, in], biases [out]), and a
/// hook point after each named layer and after the ReLU that follows it (<see cref="ConvHookPoint"/>).
/// <para>
/// A hook is a <c>Func&lt;Tensor, ConvHookPoint, Tensor?&gt;</c>: it sees the activation and returns null to leave it, or a
/// tensor of the same shape to replace it (zero-ablation, <see cref="ZeroChannels"/>). Images are [batch, c, h, w]
/// float32 with intensities in [0, 1].
/// </para>
/// </summary>
public sealed class ConvNet : IDisposable
{
    private readonly Dictionary<string, Parameter> _params = new(StringComparer.Ordinal);
    private readonly List<string> _paramOrder = [];
    private bool _disposed;

    public ConvNetConfig Config { get; }

    public Device Device { get; }

    /// <summary>Every hook point of a forward pass, in order.</summary>
    public IReadOnlyList<ConvHookPoint> HookPoints { get; }

    private ConvNet(ConvNetConfig config, Device device)
    {
        config.Validate();
        Config = config;
        Device = device;
        foreach (var (name, shape) in config.ExpectedParameters())
        {
            _params[name] = new Parameter(zeros(shape, ScalarType.Float32, device), requires_grad: true);
            _paramOrder.Add(name);
        }
        HookPoints = [.. config.NamedLayers().SelectMany(l => l.FollowedByRelu ? new[] { ConvHookPoint.Output(l.Name), ConvHookPoint.Relu(l.Name) } : [ConvHookPoint.Output(l.Name)])];
    }

    /// <summary>
    /// PyTorch's default initialisation of <c>nn.Conv2d</c> and <c>nn.Linear</c> (weights and biases uniform on
    /// ±1/√fan_in, fan_in = in·k·k or in), drawn on the CPU from a generator seeded with <paramref name="seed"/>, layer
    /// by layer, weight before bias, so it is the same on every device.
    /// </summary>
    public static ConvNet Create(ConvNetConfig config, long seed, Device? device = null)
    {
        var net = new ConvNet(config, device ?? EngineDevice.Default);
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var _ = no_grad();
        foreach (var layer in config.NamedLayers())
        {
            var weight = net._params[layer.Name + ".weight"];
            var fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var bound = 1.0 / Math.Sqrt(fanIn);
            foreach (var p in new[] { weight, net._params[layer.Name + ".bias"] })
            {
                using var draw = rand(p.shape, ScalarType.Float32, CPU, generator: generator).mul_(2 * bound).sub_(bound);
                p.copy_(draw);
            }
        }
        return net;
    }

    /// <summary>A network holding a copy of <paramref name="stateDict"/>: every expected name with exactly its shape, no other.</summary>
    public static ConvNet FromStateDict(ConvNetConfig config, IReadOnlyDictionary<string, Tensor> stateDict, Device? device = null)
    {
        var net = new ConvNet(config, device ?? EngineDevice.Default);
        try
        {
            foreach (var key in stateDict.Keys)
                if (!net._params.ContainsKey(key)) throw new InvalidDataException($"State dict entry '{key}' is not a parameter of this network.");
            using var _ = no_grad();
            foreach (var name in net._paramOrder)
            {
                if (!stateDict.TryGetValue(name, out var source)) throw new InvalidDataException($"State dict entry '{name}' is missing.");
                if (!source.shape.SequenceEqual(net._params[name].shape))
                    throw new InvalidDataException($"State dict entry '{name}' has shape [{string.Join(", ", source.shape)}] but the config needs [{string.Join(", ", net._params[name].shape)}].");
                if (!source.is_floating_point()) throw new InvalidDataException($"State dict entry '{name}' is not floating-point.");
                using var converted = source.to(ScalarType.Float32, net.Device);
                net._params[name].copy_(converted);
            }
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>The live parameters by PyTorch name, in state_dict order.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _paramOrder.ToDictionary(n => n, n => (Tensor)_params[n], StringComparer.Ordinal);
    }

    public Parameter Param(string name) =>
        _params.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"This network has no parameter '{name}'.");

    public IEnumerable<Parameter> Parameters() => _paramOrder.Select(n => _params[n]);

    /// <summary>Class scores [batch, classes]. Respects the caller's grad mode (training uses this); intermediates
    /// belong to the caller's dispose scope.</summary>
    public Tensor Forward(Tensor images, IEnumerable<(ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook)>? hooks = null) =>
        ForwardCore(images, hooks?.ToList() ?? [], cache: null);

    /// <summary>Class scores and the activation at every hook point <paramref name="filter"/> accepts (all when null),
    /// without autograd. Hooks fire before caching, so the cache holds what the rest of the run saw. The caller owns both.</summary>
    public (Tensor Logits, Dictionary<ConvHookPoint, Tensor> Cache) RunWithCache(Tensor images, Func<ConvHookPoint, bool>? filter = null,
        params (ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook)[] hooks)
    {
        using var _ = no_grad();
        var cache = new Dictionary<ConvHookPoint, Tensor>();
        using var scope = NewDisposeScope();
        var logits = ForwardCore(images, [.. hooks], (filter ?? (static _ => true), cache));
        scope.MoveToOuter(cache.Values.Cast<IDisposable>().Append(logits));
        return (logits, cache);
    }

    /// <summary>Class scores without autograd, in a dispose scope of their own (only the scores reach the caller).</summary>
    public Tensor RunWithHooks(Tensor images, params (ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook)[] hooks)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(ForwardCore(images, [.. hooks], cache: null));
    }

    /// <summary>
    /// The activation after layer <paramref name="position"/> of the layer list (0-based), without autograd: the start
    /// that <see cref="RunFrom"/> resumes from.
    /// </summary>
    public Tensor RunThrough(Tensor images, int position)
    {
        if (position < 0 || position >= Config.layers.Count) throw new ArgumentOutOfRangeException(nameof(position));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(ForwardCore(images, [], cache: null, stopAfter: position));
    }

    /// <summary>
    /// Class scores from the activation after layer <paramref name="position"/> onward, without autograd: what a full
    /// run computes when the layers up to it produced <paramref name="activation"/>. Runs that differ only after a point
    /// (ablating channels) share everything before it, which then runs once (<see cref="RunThrough"/>).
    /// </summary>
    public Tensor RunFrom(int position, Tensor activation)
    {
        if (position < 0 || position >= Config.layers.Count) throw new ArgumentOutOfRangeException(nameof(position));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(ForwardCore(activation, [], cache: null, resumeAfter: position));
    }

    /// <summary>A hook (on a layer's output) that zero-ablates the given channels of a conv layer, or features of a linear
    /// one: everything downstream, its ReLU included, sees 0 there.</summary>
    public (ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook) ZeroChannels(string layer, IReadOnlyCollection<int> channels)
    {
        var keep = KeepMask(layer, Config.Layer(layer).Channels, channels);
        return (ConvHookPoint.Output(layer), (x, _) => ZeroChannels(x, keep));
    }

    /// <summary>1 for each channel kept, 0 for each in <paramref name="zeroed"/>, which must all be among the <paramref name="channels"/>.</summary>
    internal static float[] KeepMask(string layer, int channels, IReadOnlyCollection<int> zeroed)
    {
        foreach (var c in zeroed)
            if (c < 0 || c >= channels) throw new InvalidDataException($"Layer '{layer}' has {channels} channels; there is no channel {c}.");
        return [.. Enumerable.Range(0, channels).Select(c => zeroed.Contains(c) ? 0f : 1f)];
    }

    /// <summary><paramref name="x"/> ([batch, c, h, w] or [batch, c]) with the channels <paramref name="keep"/> marks 0 set to 0.</summary>
    internal static Tensor ZeroChannels(Tensor x, float[] keep)
    {
        long[] shape = x.dim() == 4 ? [1, keep.Length, 1, 1] : [1, keep.Length];
        using var mask = tensor(keep, x.dtype, x.device).reshape(shape);
        return x * mask;
    }

    private Tensor ForwardCore(Tensor images, List<(ConvHookPoint Point, Func<Tensor, ConvHookPoint, Tensor?> Hook)> hooks,
        (Func<ConvHookPoint, bool> Filter, Dictionary<ConvHookPoint, Tensor> Into)? cache, int? resumeAfter = null, int? stopAfter = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var c = Config;
        foreach (var (point, _) in hooks)
            if (!HookPoints.Contains(point)) throw new ArgumentException($"This network has no hook point '{point}'.", nameof(hooks));
        if (resumeAfter is null && (images.dim() != 4 || images.shape[1] != c.InputChannels || images.shape[2] != c.InputHeight || images.shape[3] != c.InputWidth))
            throw new ArgumentException($"Images must be [batch, {c.InputChannels}, {c.InputHeight}, {c.InputWidth}]; got [{string.Join(", ", images.shape)}].", nameof(images));
        var x = images.to(ScalarType.Float32, Device);

        Tensor H(ConvHookPoint point, Tensor a)
        {
            foreach (var (p, hook) in hooks)
            {
                if (p != point || hook(a, point) is not { } replaced) continue;
                if (!replaced.shape.SequenceEqual(a.shape)) throw new InvalidOperationException($"A hook on '{point}' changed the activation's shape.");
                a = replaced;
            }
            if (cache is { } k && k.Filter(point)) k.Into[point] = a.detach();
            return a;
        }

        string? previous = null;
        for (var position = 0; position < c.layers.Count; position++)
        {
            var layer = c.layers[position];
            // Everything up to the layer resumed after has run already: x is its output.
            if (position <= resumeAfter)
            {
                previous = layer.name;
                continue;
            }
            switch (layer.type)
            {
                case ConvNetConfig.Conv2d:
                    x = nn.functional.conv2d(x, _params[layer.name + ".weight"], _params[layer.name + ".bias"],
                        strides: [layer.EffectiveStride, layer.EffectiveStride], padding: [layer.EffectivePadding, layer.EffectivePadding]); // [batch, out, h', w']
                    x = H(ConvHookPoint.Output(layer.name!), x);
                    break;
                case ConvNetConfig.Linear:
                    x = nn.functional.linear(x, _params[layer.name + ".weight"], _params[layer.name + ".bias"]); // [batch, out]
                    x = H(ConvHookPoint.Output(layer.name!), x);
                    break;
                case ConvNetConfig.Relu:
                    x = nn.functional.relu(x);
                    if (previous is not null) x = H(ConvHookPoint.Relu(previous), x);
                    break;
                case ConvNetConfig.MaxPool:
                    x = nn.functional.max_pool2d(x, [layer.kernel!.Value, layer.kernel!.Value], [layer.EffectiveStride, layer.EffectiveStride], [layer.EffectivePadding, layer.EffectivePadding]);
                    break;
                case ConvNetConfig.Flatten:
                    x = x.flatten(1); // [batch, c·h·w], row-major as torch.flatten(x, 1)
                    break;
            }
            previous = layer.name;
            if (position == stopAfter) break;
        }
        return x;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _params.Values) p.Dispose();
        _params.Clear();
    }
}
