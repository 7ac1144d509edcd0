using Archive.Formats.SaeLens;
using Archive.Engine.Saes;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Saes;

/// <summary>
/// A dictionary small enough to work on paper: d_in = 2, d_sae = 3.
/// <code>
/// W_enc = [[1, 0, 1],      b_enc = [0, −0.5, −0.5]     b_dec = [1, 0]
///          [0, 1, 1]]
/// W_dec = [[1, 0], [0, 2], [1, 1]]                    threshold (JumpReLU) = [1.2, 0.1, 1.0]
/// </code>
/// </summary>
internal static class SaeTestData
{
    public static SaeLensConfig Config(string architecture, bool applyBDec = true) => new()
    {
        architecture = architecture,
        d_in = 2,
        d_sae = 3,
        k = architecture == SaeLensConfig.TopK ? 2 : null,
        apply_b_dec_to_input = applyBDec,
        model_name = "toy-2l",
        hook_name = "blocks.1.hook_resid_post",
    };

    public static Dictionary<string, Tensor> Weights(bool withThreshold)
    {
        var weights = new Dictionary<string, Tensor>
        {
            ["W_enc"] = tensor(new float[,] { { 1, 0, 1 }, { 0, 1, 1 } }),
            ["W_dec"] = tensor(new float[,] { { 1, 0 }, { 0, 2 }, { 1, 1 } }),
            ["b_enc"] = tensor(new[] { 0f, -0.5f, -0.5f }),
            ["b_dec"] = tensor(new[] { 1f, 0f }),
        };
        if (withThreshold) weights["threshold"] = tensor(new[] { 1.2f, 0.1f, 1.0f });
        return weights;
    }

    public static SparseAutoencoder Sae(string architecture, bool applyBDec = true)
    {
        var weights = Weights(architecture == SaeLensConfig.JumpReLU);
        var sae = new SparseAutoencoder(Config(architecture, applyBDec), weights);
        foreach (var t in weights.Values) t.Dispose();
        return sae;
    }

    public static float[] Values(Tensor t)
    {
        using var cpu = t.detach().cpu().to_type(float32).contiguous();
        return cpu.data<float>().ToArray();
    }
}
