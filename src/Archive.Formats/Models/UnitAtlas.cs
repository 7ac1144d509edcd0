using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Formats.Models;

/// <summary>
/// What a CNN's units do, one entry per channel of its convolutions (<c>conv2:7</c>), as Microscope and Cammarata et al.
/// show them: a radial tuning curve with its straight-line control, a feature visualisation, the weights that read the
/// layer below, and the held-out images that drive it most. A bundle carries it as <c>units.json</c> beside the model
/// file it was computed from (<see cref="ModelSha256"/>); the site's unit pages and the API serve it.
/// </summary>
public sealed record UnitAtlas
{
    [JsonPropertyName("model_sha256")] public required string ModelSha256 { get; init; }
    [JsonPropertyName("units")] public required IReadOnlyList<UnitRecord> Units { get; init; }

    public const long MaxFileBytes = 16 * 1024 * 1024;
    public const int MaxOrientations = 360, MaxExamples = 64;

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and checks an atlas against the network it describes; every fault is an <see cref="InvalidDataException"/>.</summary>
    public static UnitAtlas Read(Stream stream, ConvNetConfig config, string modelSha256)
    {
        UnitAtlas atlas;
        try
        {
            atlas = JsonSerializer.Deserialize<UnitAtlas>(stream, JsonOptions) ?? throw new InvalidDataException("units.json is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"units.json is not a unit atlas: {e.Message}");
        }
        atlas.Validate(config, modelSha256);
        return atlas;
    }

    public void Validate(ConvNetConfig config, string modelSha256)
    {
        if (!string.Equals(ModelSha256, modelSha256, StringComparison.Ordinal))
            throw new InvalidDataException($"units.json describes the model file {Short(ModelSha256)}, not this one ({Short(modelSha256)}).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var unit in Units)
        {
            var name = UnitName.Parse(unit.Unit);
            var layer = config.NamedLayers().FirstOrDefault(l => l.Name == name.Layer && l.Type == ConvNetConfig.Conv2d)
                ?? throw new InvalidDataException($"units.json: '{unit.Unit}' names no convolution of this network.");
            if (name.Channel >= layer.Channels) throw new InvalidDataException($"units.json: {layer.Name} has {layer.Channels} channels; '{unit.Unit}' is outside them.");
            if (!seen.Add(unit.Unit)) throw new InvalidDataException($"units.json lists '{unit.Unit}' twice.");
            unit.Validate(config, layer);
        }
    }

    private static string Short(string? sha) => sha is { Length: >= 12 } ? sha[..12] + "…" : sha ?? "nothing";
}

/// <summary>A unit's name, <c>{layer}:{channel}</c>: one channel of a named convolution, the unit a tuning curve reads.</summary>
public readonly record struct UnitName(string Layer, int Channel)
{
    public static UnitName Parse(string text) => TryParse(text, out var name) ? name
        : throw new InvalidDataException($"'{text}' is not a unit name: layer:channel, e.g. conv2:7.");

    public static bool TryParse(string? text, out UnitName name)
    {
        name = default;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || text!.Length > 128) return false;
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var channel)) return false;
        name = new UnitName(text[..colon], channel);
        return true;
    }

    public override string ToString() => $"{Layer}:{Channel.ToString(CultureInfo.InvariantCulture)}";
}

public sealed record UnitRecord
{
    [JsonPropertyName("unit")] public required string Unit { get; init; }
    /// <summary>One line on what the unit is, in the words of the analysis that produced the atlas.</summary>
    [JsonPropertyName("role")] public required string Role { get; init; }
    [JsonPropertyName("tuning")] public required UnitTuning Tuning { get; init; }
    [JsonPropertyName("visualisation")] public required UnitVisualisation Visualisation { get; init; }
    /// <summary>The kernels by which this unit reads each channel of the layer below (or the input).</summary>
    [JsonPropertyName("weights")] public required IReadOnlyList<UnitKernel> Weights { get; init; }
    [JsonPropertyName("top_examples")] public required IReadOnlyList<UnitExample> TopExamples { get; init; }
    /// <summary>The set the examples come from, e.g. "1,996 held-out MNIST digits".</summary>
    [JsonPropertyName("examples_from")] public required string ExamplesFrom { get; init; }

    internal void Validate(ConvNetConfig config, NamedLayer layer)
    {
        Tuning.Validate(Unit, config);
        Visualisation.Validate(Unit, config);
        if (Weights.Count != layer.InputShape[0]) throw new InvalidDataException($"units.json: {Unit} has {Weights.Count} kernels; its layer reads {layer.InputShape[0]} channels.");
        var kernel = config.layers[layer.Position].kernel ?? 0;
        foreach (var k in Weights) UnitImages.CheckGrid(Unit, "kernel", k.Kernel, kernel, kernel, finiteOnly: true);
        if (TopExamples.Count > UnitAtlas.MaxExamples) throw new InvalidDataException($"units.json: {Unit} has more than {UnitAtlas.MaxExamples} examples.");
        foreach (var e in TopExamples) UnitImages.CheckPixels(Unit, e.Pixels, config);
    }
}

/// <summary>
/// Responses at the centre of the unit's map, after its ReLU, to arcs at evenly spaced orientations (θ: the direction
/// from the arc's midpoint to its circle's centre, counter-clockwise from the right) and to straight lines of the same
/// length and thickness through the same point (the control), with the stimulus geometry.
/// </summary>
public sealed record UnitTuning
{
    [JsonPropertyName("radius")] public required double Radius { get; init; }
    [JsonPropertyName("thickness")] public required double Thickness { get; init; }
    [JsonPropertyName("arc_length")] public required double ArcLength { get; init; }
    /// <summary>The stimuli's centre in pixel-index coordinates: the receptive-field centre of the map position read.</summary>
    [JsonPropertyName("centre")] public required double[] Centre { get; init; }
    [JsonPropertyName("orientations")] public required double[] Orientations { get; init; }
    [JsonPropertyName("curve_responses")] public required double[] CurveResponses { get; init; }
    [JsonPropertyName("line_orientations")] public required double[] LineOrientations { get; init; }
    [JsonPropertyName("line_responses")] public required double[] LineResponses { get; init; }
    /// <summary>The unit's receptive field in the image, [top, left, size]: the window the stimuli below are cropped to.</summary>
    [JsonPropertyName("window")] public required int[] Window { get; init; }
    /// <summary>The arcs, one size × size crop per orientation, bytes of 255ths, row-major, base64.</summary>
    [JsonPropertyName("curve_stimuli")] public required byte[] CurveStimuli { get; init; }
    [JsonPropertyName("line_stimuli")] public required byte[] LineStimuli { get; init; }
    /// <summary>Best curve ÷ best line; null when no line drives the unit.</summary>
    [JsonPropertyName("selectivity")] public double? Selectivity { get; init; }
    /// <summary>Full width at half maximum of the curve responses, degrees; null when nothing drives the unit (no tuning to measure).</summary>
    [JsonPropertyName("fwhm")] public double? Fwhm { get; init; }
    [JsonPropertyName("preferred_orientation")] public required double PreferredOrientation { get; init; }
    [JsonPropertyName("peak")] public required double Peak { get; init; }

    internal void Validate(string unit, ConvNetConfig config)
    {
        if (Orientations.Length is 0 or > UnitAtlas.MaxOrientations || CurveResponses.Length != Orientations.Length)
            throw new InvalidDataException($"units.json: {unit}'s tuning curve needs 1 to {UnitAtlas.MaxOrientations} orientations, one response each.");
        if (LineOrientations.Length > UnitAtlas.MaxOrientations || LineResponses.Length != LineOrientations.Length)
            throw new InvalidDataException($"units.json: {unit}'s line control needs one response per orientation.");
        if (Centre.Length != 2) throw new InvalidDataException($"units.json: {unit}'s stimulus centre is [row, column].");
        if (Orientations.Concat(CurveResponses).Concat(LineOrientations).Concat(LineResponses).Concat(Centre).Any(v => !double.IsFinite(v)))
            throw new InvalidDataException($"units.json: {unit}'s tuning curve holds a value that is not a finite number.");
        if (Window.Length != 3 || Window[2] <= 0 || Window[0] < 0 || Window[1] < 0 || Window[0] + Window[2] > config.InputHeight || Window[1] + Window[2] > config.InputWidth)
            throw new InvalidDataException($"units.json: {unit}'s window [top, left, size] does not lie within the image.");
        if (CurveStimuli.Length != Orientations.Length * Window[2] * Window[2] || LineStimuli.Length != LineOrientations.Length * Window[2] * Window[2])
            throw new InvalidDataException($"units.json: {unit} needs one {Window[2]} × {Window[2]} stimulus crop per orientation.");
        if (!(Radius > 0 && Thickness > 0 && ArcLength > 0 && Radius <= Math.Max(config.InputHeight, config.InputWidth)))
            throw new InvalidDataException($"units.json: {unit}'s stimulus geometry is not positive and within the image.");
    }
}

/// <summary>An input that drives the unit hard (the unit's pre-ReLU value at its map's centre), found by gradient ascent
/// on sigmoid-parametrised pixels from a seeded random start, with its regularisation.</summary>
public sealed record UnitVisualisation
{
    [JsonPropertyName("seed")] public required long Seed { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("learning_rate")] public required double LearningRate { get; init; }
    [JsonPropertyName("initial_std")] public required double InitialStd { get; init; }
    [JsonPropertyName("total_variation")] public required double TotalVariation { get; init; }
    [JsonPropertyName("l2")] public required double L2 { get; init; }
    [JsonPropertyName("activation")] public required double Activation { get; init; }
    /// <summary>Intensities in [0, 1], bytes of 255ths, row-major, base64.</summary>
    [JsonPropertyName("pixels")] public required byte[] Pixels { get; init; }

    internal void Validate(string unit, ConvNetConfig config) => UnitImages.CheckPixels(unit, Pixels, config);
}

public sealed record UnitKernel
{
    /// <summary>The channel read: a unit name (<c>conv1:3</c>) or <c>input</c>.</summary>
    [JsonPropertyName("input")] public required string Input { get; init; }
    [JsonPropertyName("kernel")] public required double[][] Kernel { get; init; }
}

/// <summary>An image of the example set with the unit's largest response over its map (after the ReLU) on it.</summary>
public sealed record UnitExample
{
    [JsonPropertyName("index")] public required int Index { get; init; }
    [JsonPropertyName("label")] public int? Label { get; init; }
    [JsonPropertyName("activation")] public required double Activation { get; init; }
    [JsonPropertyName("pixels")] public required byte[] Pixels { get; init; }
}

/// <summary>The atlas's images as the chart library draws them, and their size checks.</summary>
public static class UnitImages
{
    /// <summary>A one-channel image of the network's input size as values [row][column] in [0, 1].</summary>
    public static double[][] ToGrid(byte[] pixels, int height, int width) =>
        [.. Enumerable.Range(0, height).Select(r => Enumerable.Range(0, width).Select(c => pixels[r * width + c] / 255.0).ToArray())];

    /// <summary>Image <paramref name="index"/> of a run of size × size crops as values [row][column] in [0, 1].</summary>
    public static double[][] Crop(byte[] crops, int index, int size) =>
        [.. Enumerable.Range(0, size).Select(r => Enumerable.Range(0, size).Select(c => crops[(index * size + r) * size + c] / 255.0).ToArray())];

    /// <summary>The window [top, left, size] of a whole image of <paramref name="width"/> columns, as values in [0, 1].</summary>
    public static double[][] Window(byte[] pixels, int width, int[] window) =>
        [.. Enumerable.Range(window[0], window[2]).Select(r => Enumerable.Range(window[1], window[2]).Select(c => pixels[r * width + c] / 255.0).ToArray())];

    internal static void CheckPixels(string unit, byte[] pixels, ConvNetConfig config)
    {
        if (pixels.Length != config.InputHeight * config.InputWidth * config.InputChannels)
            throw new InvalidDataException($"units.json: an image of {unit} has {pixels.Length} bytes; the network's input has {config.InputHeight * config.InputWidth * config.InputChannels}.");
    }

    internal static void CheckGrid(string unit, string what, double[][] grid, int height, int width, bool finiteOnly)
    {
        if (grid.Length != height || grid.Any(r => r.Length != width))
            throw new InvalidDataException($"units.json: a {what} of {unit} is not {height} × {width}.");
        if (finiteOnly && grid.Any(r => r.Any(v => !double.IsFinite(v))))
            throw new InvalidDataException($"units.json: a {what} of {unit} holds a value that is not a finite number.");
    }
}
