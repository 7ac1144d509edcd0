using Archive.Formats.SaeLens;
using Archive.Engine.Saes;
using Xunit;
using static Archive.Engine.Tests.Saes.SaeTestData;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Saes;

/// <summary>
/// x = [2, 1] and x = [0, 0] through the paper dictionary of <see cref="SaeTestData"/>:
/// sae_in = x − b_dec = [1, 1] → hidden_pre = [1, 1, 2] + b_enc = [1, 0.5, 1.5];
/// sae_in = [−1, 0] → hidden_pre = [−1, −0.5, −1.5].
/// </summary>
public class SparseAutoencoderTests
{
    private static Tensor Inputs() => tensor(new float[,] { { 2, 1 }, { 0, 0 } });

    [Fact]
    public void Standard_encodes_with_relu_and_decodes_linearly()
    {
        using var sae = Sae(SaeLensConfig.Standard);
        using var x = Inputs();
        using var f = sae.Encode(x);
        // f = ReLU([1, 0.5, 1.5]) and ReLU([−1, −0.5, −1.5]).
        Assert.Equal(new[] { 1f, 0.5f, 1.5f, 0f, 0f, 0f }, Values(f));
        using var x_hat = sae.Decode(f);
        // [1, 0.5, 1.5]·W_dec = [1 + 1.5, 1 + 1.5] = [2.5, 2.5], + b_dec = [3.5, 2.5]; zero code gives b_dec.
        Assert.Equal(new[] { 3.5f, 2.5f, 1f, 0f }, Values(x_hat));
        using var forward = sae.forward(x);
        Assert.Equal(Values(x_hat), Values(forward));
    }

    [Fact]
    public void TopK_keeps_the_k_largest_preactivations()
    {
        using var sae = Sae(SaeLensConfig.TopK);
        using var x = Inputs();
        using var f = sae.Encode(x);
        // k = 2 keeps 1.5 (feature 2) and 1 (feature 0); for the second row the top two are negative, so ReLU gives 0.
        Assert.Equal(new[] { 1f, 0f, 1.5f, 0f, 0f, 0f }, Values(f));
        using var x_hat = sae.forward(x);
        // [1, 0, 1.5]·W_dec = [2.5, 1.5], + b_dec = [3.5, 1.5].
        Assert.Equal(new[] { 3.5f, 1.5f, 1f, 0f }, Values(x_hat));
    }

    [Fact]
    public void JumpReLU_keeps_preactivations_above_their_threshold()
    {
        using var sae = Sae(SaeLensConfig.JumpReLU);
        using var x = Inputs();
        using var f = sae.Encode(x);
        // threshold [1.2, 0.1, 1.0]: 1 ≤ 1.2 is dropped, 0.5 > 0.1 and 1.5 > 1.0 are kept.
        Assert.Equal(new[] { 0f, 0.5f, 1.5f, 0f, 0f, 0f }, Values(f));
        using var x_hat = sae.forward(x);
        // [0, 0.5, 1.5]·W_dec = [1.5, 2.5], + b_dec = [2.5, 2.5].
        Assert.Equal(new[] { 2.5f, 2.5f, 1f, 0f }, Values(x_hat));
    }

    [Fact]
    public void Without_apply_b_dec_to_input_the_input_is_encoded_as_is()
    {
        using var sae = Sae(SaeLensConfig.Standard, applyBDec: false);
        using var x = tensor(new float[,] { { 2, 1 } });
        using var f = sae.Encode(x);
        // [2, 1]·W_enc = [2, 1, 3], + b_enc = [2, 0.5, 2.5].
        Assert.Equal(new[] { 2f, 0.5f, 2.5f }, Values(f));
    }

    [Fact]
    public void Encode_accepts_any_leading_shape()
    {
        using var sae = Sae(SaeLensConfig.Standard);
        using var x = tensor(new float[] { 2, 1, 0, 0, 2, 1, 0, 0 }).reshape(2, 2, 2); // [batch, pos, d_in]
        using var f = sae.Encode(x);
        Assert.Equal(new long[] { 2, 2, 3 }, f.shape);
        Assert.Equal(new[] { 1f, 0.5f, 1.5f, 0f, 0f, 0f, 1f, 0.5f, 1.5f, 0f, 0f, 0f }, Values(f));
    }

    [Fact]
    public void Wrong_input_width_is_rejected()
    {
        using var sae = Sae(SaeLensConfig.Standard);
        using var x = zeros(1, 3);
        var error = Assert.Throws<ArgumentException>(() => sae.Encode(x));
        Assert.Contains("d_in", error.Message);
    }

    [Fact]
    public void State_dict_with_a_misshapen_tensor_is_rejected_naming_it()
    {
        var weights = Weights(withThreshold: false);
        weights["b_enc"].Dispose();
        weights["b_enc"] = zeros(4);
        var error = Assert.Throws<InvalidDataException>(() => new SparseAutoencoder(Config(SaeLensConfig.Standard), weights));
        Assert.Contains("'b_enc'", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    [Fact]
    public void JumpReLU_without_threshold_is_rejected_naming_it()
    {
        var weights = Weights(withThreshold: false);
        var error = Assert.Throws<InvalidDataException>(() => new SparseAutoencoder(Config(SaeLensConfig.JumpReLU), weights));
        Assert.Contains("'threshold'", error.Message);
    }

    [Fact]
    public void Fresh_sae_is_initialised_as_SAELens_does()
    {
        using var sae = new SparseAutoencoder(new SaeLensConfig { d_in = 8, d_sae = 16 }, generator: new Generator(3));
        Assert.Equal(Values(sae.W_dec.t()), Values(sae.W_enc));
        Assert.All(Values(sae.b_enc), v => Assert.Equal(0f, v));
        var bound = (float)Math.Sqrt(6.0 / 8);
        Assert.All(Values(sae.W_dec), v => Assert.InRange(v, -bound, bound));
        Assert.Equal(["W_enc", "W_dec", "b_enc", "b_dec"], sae.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void Constant_norm_rescale_round_trips_the_scale()
    {
        // With W_enc = W_dec = I, zero biases and inputs in the positive quadrant, x̂ = x whatever the rescaling.
        var cfg = new SaeLensConfig { d_in = 2, d_sae = 2, normalize_activations = "constant_norm_rescale" };
        var weights = new Dictionary<string, Tensor>
        {
            ["W_enc"] = eye(2), ["W_dec"] = eye(2), ["b_enc"] = zeros(2), ["b_dec"] = zeros(2),
        };
        using var sae = new SparseAutoencoder(cfg, weights);
        using var x = tensor(new float[,] { { 3, 4 } });
        // Encoded in the rescaled space: ‖x‖ → sqrt(d_in), so f = x·sqrt(2)/5.
        Assert.Equal(new[] { 3 * MathF.Sqrt(2) / 5, 4 * MathF.Sqrt(2) / 5 }, Values(sae.Encode(x)), new Close(1e-6f));
        Assert.Equal(new[] { 3f, 4f }, Values(sae.forward(x)), new Close(1e-5f));
        Assert.Throws<InvalidOperationException>(() => sae.Decode(sae.Encode(x)));
    }

    internal sealed class Close(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
