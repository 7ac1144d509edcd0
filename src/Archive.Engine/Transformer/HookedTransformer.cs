using System.Globalization;
using Archive.Formats.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Archive.Engine.Transformer;

/// <summary>
/// A decoder-only transformer with TransformerLens semantics (evidence-methods.md section 2): parameters named and
/// shaped as <c>HookedTransformer.state_dict()</c>, and a hook point at every named intermediate.
/// <para>
/// A hook is a <c>Func&lt;Tensor, HookName, Tensor?&gt;</c>: it sees the activation and returns null to leave it,
/// or a tensor of the same shape to replace it. The activation it sees belongs to the run's dispose scope; a hook
/// that keeps one beyond the run calls <c>.detach().MoveToOuterDisposeScope()</c>, or uses <see cref="RunWithCache"/>.
/// </para>
/// </summary>
public sealed class HookedTransformer : IDisposable
{
    /// <summary>TransformerLens LayerNorm epsilon.</summary>
    public const double LayerNormEps = 1e-5;

    private sealed class Block
    {
        public Parameter? ln1_w, ln1_b, ln2_w, ln2_b;
        public required Parameter W_Q, W_K, W_V, W_O, b_Q, b_K, b_V, b_O;
        public Parameter? W_in, b_in, W_out, b_out;
    }

    private readonly Block[] _blocks;
    private readonly Parameter _W_E, _W_pos, _W_U, _b_U;
    private readonly Parameter? _lnf_w, _lnf_b;
    private readonly Dictionary<string, Parameter> _params;
    private readonly List<string> _paramOrder;
    private readonly List<(HookName Name, Func<Tensor, HookName, Tensor?> Hook)> _persistentHooks = [];
    private bool _disposed;

    public HookedTransformerConfig Config { get; }
    public Device Device { get; }

    /// <summary>Every hook point this model's forward pass reaches, in order.</summary>
    public IReadOnlyList<HookName> HookNames { get; }

    private HookedTransformer(HookedTransformerConfig config, Device device)
    {
        config.Validate();
        Config = config;
        Device = device;
        _params = [];
        _paramOrder = [];
        foreach (var (name, shape) in ExpectedParameters(config))
        {
            var p = new Parameter(zeros(shape, ScalarType.Float32, device), requires_grad: true);
            _params[name] = p;
            _paramOrder.Add(name);
        }
        _W_E = _params["embed.W_E"];
        _W_pos = _params["pos_embed.W_pos"];
        _W_U = _params["unembed.W_U"];
        _b_U = _params["unembed.b_U"];
        _lnf_w = _params.GetValueOrDefault("ln_final.w");
        _lnf_b = _params.GetValueOrDefault("ln_final.b");
        _blocks = new Block[config.n_layers];
        for (int l = 0; l < config.n_layers; l++)
        {
            Parameter P(string n) => _params[$"blocks.{l}.{n}"];
            Parameter? O(string n) => _params.GetValueOrDefault($"blocks.{l}.{n}");
            _blocks[l] = new Block
            {
                ln1_w = O("ln1.w"), ln1_b = O("ln1.b"), ln2_w = O("ln2.w"), ln2_b = O("ln2.b"),
                W_Q = P("attn.W_Q"), W_K = P("attn.W_K"), W_V = P("attn.W_V"), W_O = P("attn.W_O"),
                b_Q = P("attn.b_Q"), b_K = P("attn.b_K"), b_V = P("attn.b_V"), b_O = P("attn.b_O"),
                W_in = O("mlp.W_in"), b_in = O("mlp.b_in"), W_out = O("mlp.W_out"), b_out = O("mlp.b_out"),
            };
        }
        HookNames = ListHookNames(config);
    }

    /// <summary>A model with TransformerLens-style random init: every <c>W_*</c> ~ N(0, 0.8/sqrt(d_model)), biases 0, LN w = 1.
    /// The draw happens on the CPU from a generator seeded with <paramref name="seed"/>, so it is the same on every device.</summary>
    public static HookedTransformer Create(HookedTransformerConfig config, long seed, Device? device = null)
    {
        var model = new HookedTransformer(config, device ?? EngineDevice.Default);
        double std = 0.8 / Math.Sqrt(config.d_model);
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var _ = no_grad();
        foreach (var name in model._paramOrder)
        {
            var p = model._params[name];
            string leaf = name[(name.LastIndexOf('.') + 1)..];
            if (leaf.StartsWith("W_", StringComparison.Ordinal))
            {
                using var init = randn(p.shape, ScalarType.Float32, CPU, generator: generator) * std;
                p.copy_(init);
            }
            else if (leaf == "w") p.fill_(1.0);
        }
        return model;
    }

    /// <summary>A model holding a copy of <paramref name="stateDict"/> (checked as by <see cref="LoadStateDict"/>).</summary>
    public static HookedTransformer FromStateDict(HookedTransformerConfig config, IReadOnlyDictionary<string, Tensor> stateDict, Device? device = null)
    {
        var model = new HookedTransformer(config, device ?? EngineDevice.Default);
        try
        {
            model.LoadStateDict(stateDict);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Names and shapes of <c>HookedTransformer.state_dict()</c> for this config, in TransformerLens order
    /// (without the <c>attn.mask</c>/<c>attn.IGNORE</c> buffers).</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> ExpectedParameters(HookedTransformerConfig c)
    {
        var list = new List<(string, long[])>
        {
            ("embed.W_E", [c.d_vocab, c.d_model]),
            ("pos_embed.W_pos", [c.n_ctx, c.d_model]),
        };
        bool ln = c.normalization_type == "LN";
        for (int l = 0; l < c.n_layers; l++)
        {
            string b = $"blocks.{l}.";
            if (ln)
            {
                list.Add((b + "ln1.w", [c.d_model]));
                list.Add((b + "ln1.b", [c.d_model]));
                if (!c.attn_only)
                {
                    list.Add((b + "ln2.w", [c.d_model]));
                    list.Add((b + "ln2.b", [c.d_model]));
                }
            }
            list.Add((b + "attn.W_Q", [c.n_heads, c.d_model, c.d_head]));
            list.Add((b + "attn.W_K", [c.n_heads, c.d_model, c.d_head]));
            list.Add((b + "attn.W_V", [c.n_heads, c.d_model, c.d_head]));
            list.Add((b + "attn.W_O", [c.n_heads, c.d_head, c.d_model]));
            list.Add((b + "attn.b_Q", [c.n_heads, c.d_head]));
            list.Add((b + "attn.b_K", [c.n_heads, c.d_head]));
            list.Add((b + "attn.b_V", [c.n_heads, c.d_head]));
            list.Add((b + "attn.b_O", [c.d_model]));
            if (!c.attn_only)
            {
                int d_mlp = c.d_mlp ?? throw new InvalidDataException("Config key 'd_mlp' is required unless attn_only.");
                list.Add((b + "mlp.W_in", [c.d_model, d_mlp]));
                list.Add((b + "mlp.b_in", [d_mlp]));
                list.Add((b + "mlp.W_out", [d_mlp, c.d_model]));
                list.Add((b + "mlp.b_out", [c.d_model]));
            }
        }
        if (ln)
        {
            list.Add(("ln_final.w", [c.d_model]));
            list.Add(("ln_final.b", [c.d_model]));
        }
        list.Add(("unembed.W_U", [c.d_model, c.d_vocab]));
        list.Add(("unembed.b_U", [c.d_vocab]));
        return list;
    }

    /// <summary>The ordered hook names a forward pass of a model with this config reaches.</summary>
    public static IReadOnlyList<HookName> ListHookNames(HookedTransformerConfig c)
    {
        bool ln = c.normalization_type == "LN";
        var names = new List<HookName> { HookName.Embed, HookName.PosEmbed };
        for (int l = 0; l < c.n_layers; l++)
        {
            names.Add(HookName.ResidPre(l));
            if (ln) names.AddRange([HookName.Ln1Scale(l), HookName.Ln1Normalized(l)]);
            names.AddRange([HookName.Q(l), HookName.K(l), HookName.V(l), HookName.AttnScores(l), HookName.Pattern(l), HookName.Z(l), HookName.AttnOut(l)]);
            if (!c.attn_only)
            {
                names.Add(HookName.ResidMid(l));
                if (ln) names.AddRange([HookName.Ln2Scale(l), HookName.Ln2Normalized(l)]);
                names.AddRange([HookName.MlpPre(l), HookName.MlpPost(l), HookName.MlpOut(l)]);
            }
            names.Add(HookName.ResidPost(l));
        }
        if (ln) names.Add(HookName.LnFinalScale);
        names.Add(HookName.LnFinalNormalized);
        return names;
    }

    /// <summary>The live parameters (<see cref="Parameter"/>s) by TransformerLens name, in state_dict order.
    /// Modify them only under <c>no_grad</c>; ModelFile.Save takes this directly.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ordered = new OrderedDictionaryView(_paramOrder, _params);
        return ordered;
    }

    /// <summary>One parameter by TransformerLens name, e.g. <c>blocks.0.attn.W_Q</c>.</summary>
    public Parameter Param(string name) =>
        _params.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"This model has no parameter '{name}'.");

    public IEnumerable<Parameter> Parameters() => _paramOrder.Select(n => _params[n]);

    /// <summary>
    /// Copies <paramref name="stateDict"/> into the parameters (converting dtype and device). Every expected name must
    /// be present with exactly the expected shape; unknown names are an error, except TransformerLens's
    /// <c>blocks.{l}.attn.mask</c> and <c>attn.IGNORE</c> buffers, which are ignored.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var key in stateDict.Keys)
        {
            if (_params.ContainsKey(key)) continue;
            if (key.StartsWith("blocks.", StringComparison.Ordinal) && (key.EndsWith(".attn.mask", StringComparison.Ordinal) || key.EndsWith(".attn.IGNORE", StringComparison.Ordinal)))
                continue;
            throw new InvalidDataException($"State dict entry '{key}' is not a parameter of this model (config: {Config.ToJson()}).");
        }
        foreach (var name in _paramOrder)
        {
            if (!stateDict.TryGetValue(name, out var source))
                throw new InvalidDataException($"State dict entry '{name}' is missing.");
            var expected = _params[name].shape;
            if (!source.shape.SequenceEqual(expected))
                throw new InvalidDataException($"State dict entry '{name}' has shape {FormatShape(source.shape)} but this config needs {FormatShape(expected)}.");
            if (!source.is_floating_point())
                throw new InvalidDataException($"State dict entry '{name}' has dtype {source.dtype}; a floating-point tensor is needed.");
        }
        using var _ = no_grad();
        foreach (var name in _paramOrder)
        {
            using var converted = stateDict[name].to(ScalarType.Float32, Device);
            _params[name].copy_(converted);
        }
    }

    internal static string FormatShape(long[] shape) => "[" + string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Adds a hook that fires on every run until the returned handle is disposed.</summary>
    public IDisposable AddHook(HookName name, Func<Tensor, HookName, Tensor?> hook)
    {
        var entry = (name, hook);
        _persistentHooks.Add(entry);
        return new HookHandle(() => _persistentHooks.Remove(entry));
    }

    private sealed class HookHandle(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose()
        {
            _remove?.Invoke();
            _remove = null;
        }
    }

    /// <summary>
    /// Logits [batch, pos, d_vocab] for tokens [batch, pos] (or [pos]) of int64 ids. Respects the caller's grad mode
    /// (training uses this) and creates its intermediates in the caller's dispose scope.
    /// </summary>
    public Tensor Forward(Tensor tokens, IEnumerable<(HookName Name, Func<Tensor, HookName, Tensor?> Hook)>? hooks = null) =>
        ForwardCore(tokens, BuildHookTable(hooks), cache: null, filter: null, stopAtLayer: null);

    /// <summary>Logits [batch, pos, d_vocab] with the given hooks firing; without autograd, in a dispose scope of its own
    /// (only the logits move out to the caller's scope).</summary>
    public Tensor RunWithHooks(Tensor tokens, params (HookName Name, Func<Tensor, HookName, Tensor?> Hook)[] hooks)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var logits = ForwardCore(tokens, BuildHookTable(hooks), cache: null, filter: null, stopAtLayer: null);
        return scope.MoveToOuter(logits);
    }

    /// <summary>
    /// Logits and every activation whose hook name passes <paramref name="filter"/> (all when null), without autograd.
    /// Hooks, if any, fire before caching, so the cache holds what the rest of the run saw. Dispose the cache when done
    /// (or let the caller's dispose scope, into which its tensors are moved, collect them).
    /// </summary>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(Tensor tokens, Func<HookName, bool>? filter = null,
        params (HookName Name, Func<Tensor, HookName, Tensor?> Hook)[] hooks) =>
        RunWithCache(tokens, filter, stopAtLayer: null, hooks);

    /// <summary>
    /// As above; with <paramref name="stopAtLayer"/> = l (TransformerLens's <c>stop_at_layer</c>) only blocks 0 … l−1
    /// run and the first tensor returned is the residual stream entering block l instead of the logits: reading an
    /// early hook then costs neither the later blocks nor the unembedding.
    /// </summary>
    public (Tensor Output, ActivationCache Cache) RunWithCache(Tensor tokens, Func<HookName, bool>? filter, int? stopAtLayer,
        params (HookName Name, Func<Tensor, HookName, Tensor?> Hook)[] hooks) =>
        RunWithCache(tokens, filter, stopAtLayer, fused: false, hooks);

    /// <summary>
    /// As above; <paramref name="fused"/> computes each layer norm and attention whose insides no hook or cache sees in
    /// one kernel (PyTorch's layer_norm and scaled_dot_product_attention): the same values up to float rounding (about
    /// 1e-6), not bit for bit, and about twice as fast on a CPU. For reading activations; runs that are compared with
    /// each other (clean against ablated) must take the same path, so they leave it off.
    /// </summary>
    public (Tensor Output, ActivationCache Cache) RunWithCache(Tensor tokens, Func<HookName, bool>? filter, int? stopAtLayer, bool fused,
        params (HookName Name, Func<Tensor, HookName, Tensor?> Hook)[] hooks)
    {
        if (stopAtLayer is < 0 || stopAtLayer > Config.n_layers)
            throw new ArgumentOutOfRangeException(nameof(stopAtLayer), $"stopAtLayer must lie in [0, {Config.n_layers}].");
        using var _ = no_grad();
        var cache = new ActivationCache();
        try
        {
            using var scope = NewDisposeScope();
            var logits = ForwardCore(tokens, BuildHookTable(hooks), cache, filter ?? (static _ => true), stopAtLayer, fused);
            // Deliberately out of this run's scope: the caller owns logits and cache.
            scope.MoveToOuter(cache.Tensors.Cast<IDisposable>().Append(logits));
            return (logits, cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    private Dictionary<HookName, List<Func<Tensor, HookName, Tensor?>>>? BuildHookTable(IEnumerable<(HookName Name, Func<Tensor, HookName, Tensor?> Hook)>? hooks)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var all = _persistentHooks.Concat(hooks ?? []).ToList();
        if (all.Count == 0) return null;
        var table = new Dictionary<HookName, List<Func<Tensor, HookName, Tensor?>>>();
        var known = HookNames.ToHashSet();
        foreach (var (name, hook) in all)
        {
            if (!known.Contains(name)) throw new ArgumentException($"This model has no hook point '{name}'.", nameof(hooks));
            if (!table.TryGetValue(name, out var list)) table[name] = list = [];
            list.Add(hook);
        }
        return table;
    }

    private Tensor ForwardCore(Tensor tokens, Dictionary<HookName, List<Func<Tensor, HookName, Tensor?>>>? table,
        ActivationCache? cache, Func<HookName, bool>? filter, int? stopAtLayer, bool fused = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var c = Config;

        Tensor H(HookName name, Tensor x)
        {
            if (table is not null && table.TryGetValue(name, out var fns))
            {
                foreach (var fn in fns)
                {
                    var replaced = fn(x, name);
                    if (replaced is not null)
                    {
                        if (!replaced.shape.SequenceEqual(x.shape))
                            throw new InvalidOperationException($"A hook on '{name}' returned shape {FormatShape(replaced.shape)} for an activation of shape {FormatShape(x.shape)}.");
                        x = replaced;
                    }
                }
            }
            if (cache is not null && filter!(name)) cache.Add(name, x.detach());
            return x;
        }

        // Whether the step-by-step form is needed: not fused, or a hook or the cache sees the activation. Fused, a layer
        // norm or an attention whose insides nobody sees is one kernel and one pass over memory instead of five to eight.
        bool Seen(HookName name) => !fused || (table?.ContainsKey(name) ?? false) || (cache is not null && filter!(name));

        Tensor Norm(Tensor input, Tensor w, Tensor b, HookName scaleName, HookName normalizedName) =>
            Seen(scaleName) || Seen(normalizedName)
                ? LayerNorm(input, w, b, scaleName, normalizedName, H)
                : nn.functional.layer_norm(input, [c.d_model], w, b, LayerNormEps); // biased variance, eps inside the root: TransformerLens's LayerNorm

        if (tokens.dim() == 1) tokens = tokens.unsqueeze(0);
        if (tokens.dim() != 2) throw new ArgumentException($"Tokens must be [batch, pos]; got {FormatShape(tokens.shape)}.", nameof(tokens));
        if (tokens.dtype != ScalarType.Int64) tokens = tokens.to(ScalarType.Int64);
        if (tokens.device != Device) tokens = tokens.to(Device);
        long batch = tokens.shape[0], n = tokens.shape[1];
        if (n > c.n_ctx) throw new ArgumentException($"Sequence length {n} exceeds n_ctx {c.n_ctx}.", nameof(tokens));

        var embed = H(HookName.Embed, _W_E.index(tokens)); // [batch, pos, d_model]
        var posEmbed = H(HookName.PosEmbed, _W_pos.narrow(0, 0, n).unsqueeze(0).expand(batch, n, c.d_model)); // [batch, pos, d_model]
        var resid = embed + posEmbed;
        using var causal = ones(n, n, ScalarType.Bool, Device).triu(1); // [query_pos, key_pos], true above the diagonal
        double attnScale = Math.Sqrt(c.d_head);
        long hd = (long)c.n_heads * c.d_head;

        for (int l = 0; l < _blocks.Length; l++)
        {
            EngineCancellation.ThrowIfRequested();
            if (l == stopAtLayer) return resid;
            var blk = _blocks[l];
            resid = H(HookName.ResidPre(l), resid);
            var x = blk.ln1_w is null ? resid : Norm(resid, blk.ln1_w, blk.ln1_b!, HookName.Ln1Scale(l), HookName.Ln1Normalized(l));

            // [batch, pos, head_index, d_head]
            var q = H(HookName.Q(l), x.matmul(blk.W_Q.permute(1, 0, 2).reshape(c.d_model, hd)).view(batch, n, c.n_heads, c.d_head) + blk.b_Q);
            var k = H(HookName.K(l), x.matmul(blk.W_K.permute(1, 0, 2).reshape(c.d_model, hd)).view(batch, n, c.n_heads, c.d_head) + blk.b_K);
            var v = H(HookName.V(l), x.matmul(blk.W_V.permute(1, 0, 2).reshape(c.d_model, hd)).view(batch, n, c.n_heads, c.d_head) + blk.b_V);
            Tensor z;
            if (Seen(HookName.AttnScores(l)) || Seen(HookName.Pattern(l)))
            {
                // [batch, head_index, query_pos, key_pos]
                var scores = q.permute(0, 2, 1, 3).matmul(k.permute(0, 2, 3, 1)).div(attnScale).masked_fill(causal, double.NegativeInfinity);
                scores = H(HookName.AttnScores(l), scores);
                var pattern = H(HookName.Pattern(l), scores.softmax(-1));
                z = pattern.matmul(v.permute(0, 2, 1, 3));
            }
            else
            {
                // softmax(q·kᵀ/√d_head + causal mask)·v, the same attention in one kernel
                z = nn.functional.scaled_dot_product_attention(q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3), null, 0.0, is_casual: true);
            }
            z = H(HookName.Z(l), z.permute(0, 2, 1, 3)); // [batch, pos, head_index, d_head]
            var attnOut = H(HookName.AttnOut(l), z.reshape(batch, n, hd).matmul(blk.W_O.reshape(hd, c.d_model)) + blk.b_O); // [batch, pos, d_model]

            if (c.attn_only)
            {
                resid = H(HookName.ResidPost(l), resid + attnOut);
                continue;
            }
            var mid = H(HookName.ResidMid(l), resid + attnOut);
            var x2 = blk.ln2_w is null ? mid : Norm(mid, blk.ln2_w, blk.ln2_b!, HookName.Ln2Scale(l), HookName.Ln2Normalized(l));
            var pre = H(HookName.MlpPre(l), x2.matmul(blk.W_in!) + blk.b_in!); // [batch, pos, d_mlp]
            var post = H(HookName.MlpPost(l), Activation(pre, c.act_fn)); // [batch, pos, d_mlp]
            var mlpOut = H(HookName.MlpOut(l), post.matmul(blk.W_out!) + blk.b_out!); // [batch, pos, d_model]
            resid = H(HookName.ResidPost(l), mid + mlpOut);
        }

        if (stopAtLayer == _blocks.Length) return resid;
        var final = _lnf_w is null
            ? H(HookName.LnFinalNormalized, resid)
            : Norm(resid, _lnf_w, _lnf_b!, HookName.LnFinalScale, HookName.LnFinalNormalized);
        return final.matmul(_W_U) + _b_U; // [batch, pos, d_vocab]
    }

    private static Tensor LayerNorm(Tensor x, Tensor w, Tensor b, HookName scaleName, HookName normalizedName, Func<HookName, Tensor, Tensor> hook)
    {
        var centered = x - x.mean([-1], keepdim: true);
        var scale = hook(scaleName, (centered.pow(2).mean([-1], keepdim: true) + LayerNormEps).sqrt()); // [batch, pos, 1]
        return hook(normalizedName, centered / scale * w + b);
    }

    /// <summary>relu; gelu = exact erf form; gelu_new = tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static Tensor Activation(Tensor x, string? actFn) => actFn switch
    {
        "relu" => nn.functional.relu(x),
        "gelu" => nn.functional.gelu(x),
        "gelu_new" => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh, inplace: false), // PyTorch's tanh approximation is this formula
        _ => throw new InvalidDataException($"Unsupported act_fn '{actFn}'."),
    };

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _params.Values) p.Dispose();
        _params.Clear();
    }

    private sealed class OrderedDictionaryView(List<string> order, Dictionary<string, Parameter> map) : IReadOnlyDictionary<string, Tensor>
    {
        public Tensor this[string key] => map[key];
        public IEnumerable<string> Keys => order;
        public IEnumerable<Tensor> Values => order.Select(k => (Tensor)map[k]);
        public int Count => order.Count;
        public bool ContainsKey(string key) => map.ContainsKey(key);

        public bool TryGetValue(string key, out Tensor value)
        {
            bool found = map.TryGetValue(key, out var p);
            value = p!;
            return found;
        }

        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
            order.Select(k => new KeyValuePair<string, Tensor>(k, map[k])).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
