using Archive.Engine.Safetensors;
using Archive.Formats.SaeLens;
using static TorchSharp.torch;

namespace Archive.Engine.Saes;

/// <summary>An SAE read from a SAELens folder, with its log10 feature densities when the folder has them.</summary>
public sealed record LoadedSae(SparseAutoencoder Sae, float[]? LogSparsity) : IDisposable
{
    public void Dispose() => Sae.Dispose();
}

/// <summary>
/// The folder SAELens writes (<c>SAE.save_model</c>): <c>cfg.json</c>, <c>sae_weights.safetensors</c> and, optionally,
/// <c>sparsity.safetensors</c> holding one tensor <c>sparsity</c> [d_sae] = log10 of each feature's density.
/// Reading validates cfg.json, then every header (section 1 rules, via <see cref="SafetensorsFile"/>), then each
/// tensor's name and shape against cfg.json, before a single weight is read.
/// </summary>
public static class SaeLensFolder
{
    public const string ConfigFileName = SaeLensFileNames.Config;
    public const string WeightsFileName = SaeLensFileNames.Weights;
    public const string SparsityFileName = SaeLensFileNames.Sparsity;

    public static SaeLensConfig ReadConfig(string folder)
    {
        var path = Path.Combine(folder, ConfigFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"The SAE folder has no {ConfigFileName}.", path);
        return SaeLensConfig.FromJson(File.ReadAllText(path));
    }

    public static LoadedSae Load(string folder, Device? device = null)
    {
        var cfg = ReadConfig(folder);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"The SAE folder has no {WeightsFileName}.", weightsPath);

        // Names, shapes and dtypes first, from the header alone (the rule the site applies to an upload).
        SaeLensFiles.CheckWeights(cfg, SafetensorsFile.ReadHeader(weightsPath));

        var tensors = SafetensorsFile.Load(weightsPath);
        try
        {
            // SAELens drops an all-ones scaling_factor (an old, folded-in normalisation); anything else it cannot fold.
            if (tensors.Remove("scaling_factor", out var scaling))
            {
                using (scaling)
                {
                    if (!scaling.to_type(float32).eq(1).all().item<bool>())
                        throw new InvalidDataException($"{WeightsFileName}: tensor 'scaling_factor' is not all ones (a finetuning scaling factor), which this engine does not support.");
                }
            }
            var sae = new SparseAutoencoder(cfg, tensors, device);
            var sparsity = ReadSparsity(folder, cfg);
            return new LoadedSae(sae, sparsity);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>log10 densities [d_sae] from sparsity.safetensors, or null when the folder has no such file.</summary>
    public static float[]? ReadSparsity(string folder, SaeLensConfig cfg)
    {
        var path = Path.Combine(folder, SparsityFileName);
        if (!File.Exists(path)) return null;
        SaeLensFiles.CheckSparsity(cfg, SafetensorsFile.ReadHeader(path));
        using var t = SafetensorsFile.LoadTensor(path, "sparsity");
        using var f = t.to_type(float32);
        return f.data<float>().ToArray();
    }

    /// <summary>Writes cfg.json and sae_weights.safetensors (and sparsity.safetensors when given), as SAELens does.</summary>
    public static void Save(string folder, SparseAutoencoder sae, float[]? logSparsity = null)
    {
        if (logSparsity is not null && logSparsity.Length != sae.d_sae)
            throw new ArgumentException($"logSparsity has {logSparsity.Length} entries; d_sae is {sae.d_sae}.", nameof(logSparsity));
        Directory.CreateDirectory(folder);
        using (no_grad())
        {
            var state = sae.StateDict().ToDictionary(p => p.Key, p => p.Value.detach());
            SafetensorsFile.Save(Path.Combine(folder, WeightsFileName), state);
            foreach (var t in state.Values) t.Dispose();
        }
        if (logSparsity is not null)
        {
            using var t = tensor(logSparsity);
            SafetensorsFile.Save(Path.Combine(folder, SparsityFileName), new Dictionary<string, Tensor> { ["sparsity"] = t });
        }
        File.WriteAllText(Path.Combine(folder, ConfigFileName), sae.cfg.ToJson());
    }
}
