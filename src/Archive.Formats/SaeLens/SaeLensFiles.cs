using Archive.Formats.Safetensors;

namespace Archive.Formats.SaeLens;

/// <summary>
/// The rule a SAELens folder's files must meet before any weight is read: cfg.json parses and makes sense, and the
/// safetensors headers (format rules of evidence-methods section 1, checked against the file's real size) hold exactly
/// the tensors the architecture needs, with cfg.json's shapes and floating-point dtypes. Torch-free, so the site checks
/// an upload with the same rule the engine's loader applies.
/// </summary>
public static class SaeLensFiles
{
    private static readonly HashSet<string> FloatDtypes = ["F16", "BF16", "F32", "F64"];

    /// <summary>The tensors an architecture's <c>sae_weights.safetensors</c> holds, with their shapes.</summary>
    public static IReadOnlyDictionary<string, long[]> ExpectedShapes(SaeLensConfig cfg)
    {
        var shapes = new Dictionary<string, long[]>
        {
            ["W_enc"] = [cfg.d_in, cfg.d_sae],
            ["W_dec"] = [cfg.d_sae, cfg.d_in],
            ["b_enc"] = [cfg.d_sae],
            ["b_dec"] = [cfg.d_in],
        };
        if (cfg.architecture == SaeLensConfig.JumpReLU) shapes["threshold"] = [cfg.d_sae];
        return shapes;
    }

    /// <summary>Parses and validates cfg.json, then checks the weights' (and the sparsity file's) header against it.</summary>
    /// <exception cref="InvalidDataException">cfg.json, or a tensor's name, shape or dtype, is wrong.</exception>
    /// <exception cref="SafetensorsFormatException">A file breaks the safetensors format.</exception>
    public static SaeLensConfig Inspect(string configJson, string weightsPath, string? sparsityPath)
    {
        var cfg = SaeLensConfig.FromJson(configJson);
        using (var weights = File.OpenRead(weightsPath)) CheckWeights(cfg, SafetensorsHeaderParser.Read(weights));
        if (sparsityPath is not null)
        {
            using var sparsity = File.OpenRead(sparsityPath);
            CheckSparsity(cfg, SafetensorsHeaderParser.Read(sparsity));
        }
        return cfg;
    }

    /// <summary>Exactly the architecture's tensors (and, as SAELens allows, a <c>scaling_factor</c> [d_sae]).</summary>
    public static void CheckWeights(SaeLensConfig cfg, SafetensorsHeader header)
    {
        var expected = ExpectedShapes(cfg);
        foreach (var (name, shape) in expected)
        {
            var info = header.Find(name)
                ?? throw new InvalidDataException($"{SaeLensFileNames.Weights} lacks tensor '{name}' (architecture {cfg.architecture} needs {string.Join(", ", expected.Keys)}).");
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"{SaeLensFileNames.Weights}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; cfg.json (d_in = {cfg.d_in}, d_sae = {cfg.d_sae}) requires [{string.Join(", ", shape)}].");
            if (!FloatDtypes.Contains(info.Dtype))
                throw new InvalidDataException($"{SaeLensFileNames.Weights}: tensor '{name}' has dtype {info.Dtype}; a floating-point dtype is required.");
        }
        foreach (var info in header.Tensors)
        {
            if (expected.ContainsKey(info.Name)) continue;
            if (info.Name == "scaling_factor" && info.Shape.SequenceEqual([(long)cfg.d_sae]) && FloatDtypes.Contains(info.Dtype)) continue;
            throw new InvalidDataException($"{SaeLensFileNames.Weights} holds unexpected tensor '{Shorten(info.Name)}' for architecture {cfg.architecture}.");
        }
    }

    /// <summary>One tensor <c>sparsity</c> [d_sae].</summary>
    public static void CheckSparsity(SaeLensConfig cfg, SafetensorsHeader header)
    {
        var info = header.Find("sparsity") ?? throw new InvalidDataException($"{SaeLensFileNames.Sparsity} lacks tensor 'sparsity'.");
        if (!info.Shape.SequenceEqual([(long)cfg.d_sae]))
            throw new InvalidDataException($"{SaeLensFileNames.Sparsity}: tensor 'sparsity' has shape [{string.Join(", ", info.Shape)}]; cfg.json requires [{cfg.d_sae}].");
        if (!FloatDtypes.Contains(info.Dtype))
            throw new InvalidDataException($"{SaeLensFileNames.Sparsity}: tensor 'sparsity' has dtype {info.Dtype}; a floating-point dtype is required.");
    }

    private static string Shorten(string name) => name.Length > 100 ? name[..100] + "…" : name;
}
