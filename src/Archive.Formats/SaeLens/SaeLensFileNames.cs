namespace Archive.Formats.SaeLens;

/// <summary>The files of the folder SAELens writes (<c>SAE.save_model</c>) and reads (<c>SAE.load_from_disk</c>).</summary>
public static class SaeLensFileNames
{
    public const string Config = "cfg.json";
    public const string Weights = "sae_weights.safetensors";
    /// <summary>Optional: one tensor <c>sparsity</c> [d_sae] = log10 of each feature's density.</summary>
    public const string Sparsity = "sparsity.safetensors";
}
