using Archive.Formats.SaeLens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Archive.Engine.Saes;

/// <summary>
/// A sparse autoencoder as SAELens defines it (<c>sae_lens/saes/standard_sae.py</c>, <c>topk_sae.py</c>,
/// <c>jumprelu_sae.py</c>):
/// <code>
/// sae_in     = norm_in(x) − b_dec·apply_b_dec_to_input      [..., d_in]
/// hidden_pre = sae_in·W_enc + b_enc                          [..., d_sae]
/// f          = standard: ReLU(hidden_pre)
///              topk:     ReLU of the k largest hidden_pre (optionally scaled by ‖W_dec[i]‖ first), 0 elsewhere
///              jumprelu: ReLU(hidden_pre)·[hidden_pre &gt; threshold]
/// x̂          = norm_out(f·W_dec + b_dec)                     [..., d_in]
/// </code>
/// Parameters keep SAELens's names (<c>W_enc</c> [d_in, d_sae], <c>W_dec</c> [d_sae, d_in], <c>b_enc</c> [d_sae],
/// <c>b_dec</c> [d_in], <c>threshold</c> [d_sae] for JumpReLU), so <c>state_dict()</c> is a SAELens state dict.
/// </summary>
public sealed class SparseAutoencoder : nn.Module<Tensor, Tensor>
{
    public SaeLensConfig cfg { get; }
    public Parameter W_enc { get; }
    public Parameter W_dec { get; }
    public Parameter b_enc { get; }
    public Parameter b_dec { get; }
    /// <summary>JumpReLU only; null for the other architectures.</summary>
    public Parameter? threshold { get; }

    public int d_in => cfg.d_in;
    public int d_sae => cfg.d_sae;
    public ScalarType dtype { get; }
    public Device device => W_enc.device;

    /// <summary>A fresh SAE initialised as SAELens does: W_dec Kaiming-uniform, W_enc = W_decᵀ, biases (and threshold) 0.</summary>
    public SparseAutoencoder(SaeLensConfig cfg, Device? device = null, Generator? generator = null) : base(nameof(SparseAutoencoder))
    {
        cfg.Validate();
        this.cfg = cfg;
        dtype = ParseDType(cfg.dtype);
        device ??= CPU;
        using (no_grad())
        {
            // kaiming_uniform_ with a = 0 on [d_sae, d_in]: fan_in = d_in, bound = sqrt(6 / fan_in).
            var bound = Math.Sqrt(6.0 / cfg.d_in);
            var w_dec = rand(new long[] { cfg.d_sae, cfg.d_in }, float32, CPU, generator: generator).mul_(2 * bound).sub_(bound)
                .to(dtype).to(device);
            W_dec = nn.Parameter(w_dec);
            W_enc = nn.Parameter(W_dec.detach().t().clone().contiguous()); // nn.Parameter took w_dec's handle
            b_enc = nn.Parameter(zeros(cfg.d_sae, dtype, device));
            b_dec = nn.Parameter(zeros(cfg.d_in, dtype, device));
            threshold = cfg.architecture == SaeLensConfig.JumpReLU ? nn.Parameter(zeros(cfg.d_sae, dtype, device)) : null;
        }
        Register();
    }

    /// <summary>
    /// An SAE around given tensors (a SAELens state dict); shapes are checked against <paramref name="cfg"/> and
    /// errors name the tensor. The tensors are converted to cfg.dtype and <paramref name="device"/> (copies).
    /// </summary>
    public SparseAutoencoder(SaeLensConfig cfg, IReadOnlyDictionary<string, Tensor> state_dict, Device? device = null)
        : base(nameof(SparseAutoencoder))
    {
        cfg.Validate();
        this.cfg = cfg;
        dtype = ParseDType(cfg.dtype);
        device ??= CPU;
        ValidateStateDict(cfg, state_dict);
        using (no_grad())
        {
            Parameter Take(string name) => nn.Parameter(state_dict[name].detach().to(dtype).to(device).clone());
            W_enc = Take("W_enc");
            W_dec = Take("W_dec");
            b_enc = Take("b_enc");
            b_dec = Take("b_dec");
            threshold = cfg.architecture == SaeLensConfig.JumpReLU ? Take("threshold") : null;
        }
        Register();
    }

    private void Register()
    {
        register_parameter("W_enc", W_enc);
        register_parameter("W_dec", W_dec);
        register_parameter("b_enc", b_enc);
        register_parameter("b_dec", b_dec);
        if (threshold is not null) register_parameter("threshold", threshold);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first missing, unexpected or misshapen tensor.</summary>
    public static void ValidateStateDict(SaeLensConfig cfg, IReadOnlyDictionary<string, Tensor> state_dict)
    {
        var expected = SaeLensFiles.ExpectedShapes(cfg);
        foreach (var (name, shape) in expected)
        {
            if (!state_dict.TryGetValue(name, out var t))
                throw new InvalidDataException($"SAE weights lack tensor '{name}' (architecture {cfg.architecture} needs {string.Join(", ", expected.Keys)}).");
            if (!t.shape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"SAE tensor '{name}' has shape [{string.Join(", ", t.shape)}]; cfg.json (d_in = {cfg.d_in}, d_sae = {cfg.d_sae}) requires [{string.Join(", ", shape)}].");
            if (!t.is_floating_point())
                throw new InvalidDataException($"SAE tensor '{name}' has dtype {t.dtype}; a floating-point dtype is required.");
        }
        foreach (var name in state_dict.Keys)
        {
            if (expected.ContainsKey(name)) continue;
            throw new InvalidDataException($"SAE weights hold unexpected tensor '{name}' for architecture {cfg.architecture}.");
        }
    }

    public static ScalarType ParseDType(string dtype) => dtype.Replace("torch.", "", StringComparison.Ordinal) switch
    {
        "float32" => float32,
        "float64" => float64,
        "float16" => float16,
        "bfloat16" => bfloat16,
        _ => throw new InvalidDataException($"cfg.json key 'dtype' names an unknown dtype '{dtype}'."),
    };

    /// <summary>The SAELens state dict (the parameters themselves, not copies).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor> { ["W_enc"] = W_enc, ["W_dec"] = W_dec, ["b_enc"] = b_enc, ["b_dec"] = b_dec };
        if (threshold is not null) result["threshold"] = threshold;
        return result;
    }

    /// <summary>hidden_pre: x [..., d_in] → [..., d_sae], before the activation function.</summary>
    public Tensor EncodePre(Tensor x)
    {
        using var scope = NewDisposeScope();
        var sae_in = ProcessInput(x, out _);
        return (matmul(sae_in, W_enc) + b_enc).MoveToOuterDisposeScope();
    }

    /// <summary>Feature activations f: x [..., d_in] (or [..., n_heads, d_head] for hook_z SAEs) → [..., d_sae].</summary>
    public Tensor Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        var sae_in = ProcessInput(x, out _);
        var hidden_pre = matmul(sae_in, W_enc) + b_enc; // [..., d_sae]
        return Activate(hidden_pre).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A TopK SAE's f without its zeros: the ReLU'd k largest pre-activations of each input and their feature indices,
    /// both [..., k] (unsorted). <see cref="Activate"/> scatters exactly these into a dense f; callers that keep f sparse
    /// (<see cref="SparseFeatureCodes"/>) skip that and the search for the non-zeros.
    /// </summary>
    public (Tensor Values, Tensor Indices) EncodeTopK(Tensor x)
    {
        if (cfg.architecture != SaeLensConfig.TopK) throw new InvalidOperationException("EncodeTopK is for TopK SAEs.");
        using var scope = NewDisposeScope();
        var (values, indices) = TopK(matmul(ProcessInput(x, out _), W_enc) + b_enc);
        return (values.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
    }

    private (Tensor Values, Tensor Indices) TopK(Tensor hidden_pre)
    {
        if (cfg.rescale_acts_by_decoder_norm) hidden_pre = hidden_pre * W_dec.norm(1);
        var (values, indices) = topk(hidden_pre, cfg.k!.Value, dim: -1, largest: true, sorted: false);
        return (nn.functional.relu(values), indices);
    }

    /// <summary>The architecture's activation function applied to hidden_pre [..., d_sae].</summary>
    public Tensor Activate(Tensor hidden_pre)
    {
        using var scope = NewDisposeScope();
        Tensor f;
        switch (cfg.architecture)
        {
            case SaeLensConfig.TopK:
                var (values, indices) = TopK(hidden_pre);
                f = zeros_like(hidden_pre).scatter(-1, indices, values);
                break;
            case SaeLensConfig.JumpReLU:
                f = nn.functional.relu(hidden_pre) * hidden_pre.gt(threshold!).to(hidden_pre.dtype);
                break;
            default:
                f = nn.functional.relu(hidden_pre);
                break;
        }
        return f.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// x̂ = f·W_dec + b_dec: f [..., d_sae] → [..., d_in]. For <c>constant_norm_rescale</c> and <c>layer_norm</c> SAEs
    /// the output normalisation needs the original input, so pass it as <paramref name="x"/> (or use <see cref="forward"/>).
    /// </summary>
    public Tensor Decode(Tensor f, Tensor? x = null)
    {
        using var scope = NewDisposeScope();
        if (cfg.architecture == SaeLensConfig.TopK && cfg.rescale_acts_by_decoder_norm) f = f / W_dec.norm(1);
        var out_ = matmul(f.to(dtype), W_dec) + b_dec; // [..., d_in]
        if (NeedsInputForOutput)
        {
            if (x is null)
                throw new InvalidOperationException($"Decoding an SAE with normalize_activations = {cfg.normalize_activations} needs the original input x.");
            ProcessInput(x, out var denormalize);
            out_ = denormalize(out_);
        }
        if (cfg.reshape_activations == "hook_z" && x is not null && x.shape[^1] != d_in)
            out_ = out_.reshape([.. out_.shape[..^1], x.shape[^2], x.shape[^1]]);
        return out_.MoveToOuterDisposeScope();
    }

    /// <summary>x̂ for x: [..., d_in] → [..., d_in].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var sae_in = ProcessInput(x, out var denormalize);
        var f = Activate(matmul(sae_in, W_enc) + b_enc);
        if (cfg.architecture == SaeLensConfig.TopK && cfg.rescale_acts_by_decoder_norm) f = f / W_dec.norm(1);
        var out_ = denormalize(matmul(f, W_dec) + b_dec);
        if (cfg.reshape_activations == "hook_z" && x.shape[^1] != d_in)
            out_ = out_.reshape([.. out_.shape[..^1], x.shape[^2], x.shape[^1]]);
        return out_.MoveToOuterDisposeScope();
    }

    private bool NeedsInputForOutput => cfg.normalize_activations is "constant_norm_rescale" or "layer_norm";

    /// <summary>SAELens <c>process_sae_in</c>: cast, hook_z flatten, run-time normalisation, subtract b_dec.</summary>
    private Tensor ProcessInput(Tensor x, out Func<Tensor, Tensor> denormalize)
    {
        var sae_in = x.to(dtype);
        if (cfg.reshape_activations == "hook_z" && sae_in.shape[^1] != d_in)
            sae_in = sae_in.flatten(-2);
        if (sae_in.shape[^1] != d_in)
            throw new ArgumentException($"SAE input has last dimension {sae_in.shape[^1]}; d_in is {d_in}.", nameof(x));
        switch (cfg.normalize_activations)
        {
            case "constant_norm_rescale":
            {
                var coefficient = Math.Sqrt(d_in) / sae_in.norm(-1, keepdim: true);
                sae_in = sae_in * coefficient;
                denormalize = t => t / coefficient;
                break;
            }
            case "layer_norm":
            {
                var mu = sae_in.mean([-1L], keepdim: true);
                var centred = sae_in - mu;
                var std = centred.std(-1, keepdim: true); // unbiased, as torch's default
                sae_in = centred / (std + 1e-5);
                denormalize = t => t * std + mu;
                break;
            }
            default:
                denormalize = t => t;
                break;
        }
        return cfg.apply_b_dec_to_input ? sae_in - b_dec : sae_in;
    }
}
