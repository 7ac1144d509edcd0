using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Archive.Formats.Models;

/// <summary>
/// One entry of a CNN's ordered layer list (evidence-methods section 9): <c>conv2d</c> and <c>linear</c> layers carry a
/// PyTorch module <c>name</c> (their parameters are <c>{name}.weight</c> and <c>{name}.bias</c>); <c>relu</c>,
/// <c>maxpool</c> and <c>flatten</c> have none. Kernels are square; <c>stride</c> defaults to 1 for a convolution and
/// to the kernel for a pool (PyTorch's defaults); <c>padding</c> (zeros) defaults to 0.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConvLayerSpec
{
    [JsonPropertyName("name")] public string? name { get; init; }
    [JsonPropertyName("type")] public required string type { get; init; }
    [JsonPropertyName("out")] public int? @out { get; init; }
    [JsonPropertyName("kernel")] public int? kernel { get; init; }
    [JsonPropertyName("stride")] public int? stride { get; init; }
    [JsonPropertyName("padding")] public int? padding { get; init; }

    [JsonIgnore] public int EffectiveStride => stride ?? (type == ConvNetConfig.MaxPool ? kernel ?? 1 : 1);

    [JsonIgnore] public int EffectivePadding => padding ?? 0;
}

/// <summary>A named layer with its place in the list and the shapes around it ([c, h, w] or [features]).</summary>
public sealed record NamedLayer(string Name, string Type, int Position, long[] InputShape, long[] OutputShape, bool FollowedByRelu)
{
    public int Channels => (int)OutputShape[0];
}

/// <summary>
/// Where the input pixels a spatial position of a layer sees lie, along one axis, in pixel-index coordinates (pixel i's
/// centre is at i): position j of the layer's map is centred on <c>Start + j·Jump</c> and sees <c>Size</c> pixels.
/// </summary>
public readonly record struct ReceptiveField(double Start, int Jump, int Size)
{
    public double CentreOf(int position) => Start + position * Jump;
}

/// <summary>
/// A small convolutional network's architecture as it travels in a safetensors file's <c>__metadata__["config"]</c>:
/// <c>{"kind": "cnn", "input": [channels, height, width], "layers": [...]}</c>, complete enough for a second
/// implementation to rebuild the forward pass: layers run in order on one image [c, h, w]; <c>flatten</c> turns
/// [c, h, w] into c·h·w features in row-major order (PyTorch's <c>torch.flatten(x, 1)</c>).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed partial record ConvNetConfig
{
    public const string CnnKind = "cnn";
    public const string Conv2d = "conv2d", Relu = "relu", MaxPool = "maxpool", Flatten = "flatten", Linear = "linear";
    public const int MaxLayers = 64, MaxSide = 1024, MaxWidth = 65_536;
    public const long MaxParameters = 100_000_000;

    [JsonPropertyName("kind")] public required string kind { get; init; }
    /// <summary>[channels, height, width].</summary>
    [JsonPropertyName("input")] public required int[] input { get; init; }
    [JsonPropertyName("layers")] public required IReadOnlyList<ConvLayerSpec> layers { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The config from JSON, validated; an <see cref="InvalidDataException"/> names the first fault.</summary>
    public static ConvNetConfig FromJson(string json)
    {
        ConvNetConfig config;
        try
        {
            config = JsonSerializer.Deserialize<ConvNetConfig>(json, JsonOptions) ?? throw new InvalidDataException("The CNN config is JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The CNN config is not valid: {e.Message}", e);
        }
        config.Validate();
        return config;
    }

    /// <summary>Channels of the input image.</summary>
    [JsonIgnore] public int InputChannels => input[0];

    [JsonIgnore] public int InputHeight => input[1];

    [JsonIgnore] public int InputWidth => input[2];

    /// <summary>Classes: the width of the last layer's output.</summary>
    [JsonIgnore] public int Classes => (int)Walk().Last().Output[0];

    /// <summary>The conv2d and linear layers, in order, with their shapes.</summary>
    public IReadOnlyList<NamedLayer> NamedLayers()
    {
        var walk = Walk();
        var named = new List<NamedLayer>();
        for (var i = 0; i < layers.Count; i++)
        {
            if (layers[i].name is not { } name) continue;
            var followedByRelu = i + 1 < layers.Count && layers[i + 1].type == Relu;
            named.Add(new NamedLayer(name, layers[i].type, i, walk[i].Input, walk[i].Output, followedByRelu));
        }
        return named;
    }

    public NamedLayer Layer(string name) =>
        NamedLayers().FirstOrDefault(l => l.Name == name) ?? throw new InvalidDataException($"The network has no layer '{name}' (layers: {string.Join(", ", NamedLayers().Select(l => l.Name))}).");

    /// <summary>Names and shapes of PyTorch's <c>state_dict()</c> for this network, in layer order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> ExpectedParameters()
    {
        var list = new List<(string, long[])>();
        foreach (var layer in NamedLayers())
        {
            var inChannels = layer.InputShape[0];
            var spec = layers[layer.Position];
            list.Add(($"{layer.Name}.weight", layer.Type == Conv2d ? [spec.@out!.Value, inChannels, spec.kernel!.Value, spec.kernel!.Value] : [spec.@out!.Value, inChannels]));
            list.Add(($"{layer.Name}.bias", [spec.@out!.Value]));
        }
        return list;
    }

    [JsonIgnore] public long ParameterCount => ExpectedParameters().Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>
    /// The receptive field of a spatial layer's map along each axis (the same along both, kernels being square): every
    /// layer up to and including <paramref name="layerName"/> must be a convolution, pool or ReLU.
    /// </summary>
    public ReceptiveField ReceptiveFieldOf(string layerName)
    {
        var target = Layer(layerName);
        double start = 0;
        int jump = 1, size = 1;
        for (var i = 0; i <= target.Position; i++)
        {
            var spec = layers[i];
            if (spec.type == Relu) continue;
            if (spec.type is not (Conv2d or MaxPool)) throw new InvalidDataException($"Layer '{layerName}' comes after a {spec.type} layer: it has no spatial receptive field.");
            var k = spec.kernel!.Value;
            start += ((k - 1) / 2.0 - spec.EffectivePadding) * jump;
            size += (k - 1) * jump;
            jump *= spec.EffectiveStride;
        }
        return new ReceptiveField(start, jump, size);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first thing that makes no sense.</summary>
    public void Validate()
    {
        if (kind != CnnKind) throw new InvalidDataException($"Config key 'kind' must be \"{CnnKind}\" (got '{kind}').");
        if (input is not { Length: 3 } || input.Any(d => d is <= 0 or > MaxSide))
            throw new InvalidDataException($"Config key 'input' must be [channels, height, width], each in [1, {MaxSide}].");
        if (layers is null || layers.Count is 0 or > MaxLayers) throw new InvalidDataException($"Config key 'layers' must list 1 to {MaxLayers} layers.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i] ?? throw new InvalidDataException($"layers[{i}] is null.");
            string At(string key) => $"layers[{i}] ({l.type}): '{key}'";
            switch (l.type)
            {
                case Conv2d or Linear:
                    if (l.name is null || !ModuleName().IsMatch(l.name)) throw new InvalidDataException($"{At("name")} must be a PyTorch module name such as conv1 (got '{l.name}').");
                    if (!names.Add(l.name)) throw new InvalidDataException($"{At("name")} '{l.name}' is used twice.");
                    if (l.@out is not (> 0 and <= MaxWidth)) throw new InvalidDataException($"{At("out")} must lie in [1, {MaxWidth}].");
                    if (l.type == Linear && (l.kernel ?? l.stride ?? l.padding) is not null) throw new InvalidDataException($"{At("kernel")}, stride and padding do not apply to a linear layer.");
                    break;
                case Relu or MaxPool or Flatten:
                    if (l.name is not null) throw new InvalidDataException($"{At("name")}: only conv2d and linear layers are named (they hold parameters).");
                    if (l.@out is not null) throw new InvalidDataException($"{At("out")} applies to conv2d and linear layers only.");
                    if (l.type != MaxPool && (l.kernel ?? l.stride ?? l.padding) is not null) throw new InvalidDataException($"{At("kernel")}, stride and padding do not apply.");
                    break;
                default:
                    throw new InvalidDataException($"layers[{i}]: type must be conv2d, relu, maxpool, flatten or linear (got '{l.type}').");
            }
            if (l.type is Conv2d or MaxPool)
            {
                if (l.kernel is not (> 0 and <= MaxSide)) throw new InvalidDataException($"{At("kernel")} must lie in [1, {MaxSide}].");
                if (l.EffectiveStride is <= 0 or > MaxSide) throw new InvalidDataException($"{At("stride")} must lie in [1, {MaxSide}].");
                if (l.EffectivePadding < 0 || l.EffectivePadding > l.kernel / 2 && l.type == MaxPool || l.EffectivePadding > MaxSide)
                    throw new InvalidDataException($"{At("padding")} must lie in [0, {(l.type == MaxPool ? "kernel / 2" : MaxSide.ToString(CultureInfo.InvariantCulture))}].");
            }
        }
        var walk = Walk();
        if (walk[^1].Output.Length != 1) throw new InvalidDataException("The last layer must output a vector of class scores (end with flatten or linear).");
        if (ParameterCount > MaxParameters) throw new InvalidDataException($"The network has {ParameterCount} parameters; at most {MaxParameters} are accepted.");
    }

    /// <summary>Each layer's input and output shape, checking that every layer fits the shape it receives.</summary>
    /// <summary>The output shape of every layer in the list, in order ([c, h, w] or [features]).</summary>
    public IReadOnlyList<long[]> LayerShapes() => [.. Walk().Select(w => w.Output)];

    private List<(long[] Input, long[] Output)> Walk()
    {
        long[] shape = [input[0], input[1], input[2]];
        var walk = new List<(long[], long[])>(layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            long[] next;
            switch (l.type)
            {
                case Conv2d or MaxPool:
                    if (shape.Length != 3) throw new InvalidDataException($"layers[{i}] ({l.type}) needs an image [c, h, w] but receives a vector.");
                    long Side(long s) => (s + 2L * l.EffectivePadding - l.kernel!.Value) / l.EffectiveStride + 1;
                    if (shape[1] + 2L * l.EffectivePadding < l.kernel || shape[2] + 2L * l.EffectivePadding < l.kernel)
                        throw new InvalidDataException($"layers[{i}] ({l.type}): kernel {l.kernel} is larger than its padded input {shape[1]} × {shape[2]}.");
                    next = [l.type == Conv2d ? l.@out!.Value : shape[0], Side(shape[1]), Side(shape[2])];
                    break;
                case Flatten:
                    next = [shape.Aggregate(1L, (a, b) => a * b)];
                    break;
                case Linear:
                    if (shape.Length != 1) throw new InvalidDataException($"layers[{i}] (linear) needs a vector; put a flatten layer before it.");
                    next = [l.@out!.Value];
                    break;
                default:
                    next = shape;
                    break;
            }
            walk.Add((shape, next));
            shape = next;
        }
        return walk;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z0-9_]{1,63}){0,7}$")]
    private static partial Regex ModuleName();
}
