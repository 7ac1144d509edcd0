using System.Collections;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Engine.Transformer;

/// <summary>
/// The activations of one <see cref="HookedTransformer.RunWithCache"/>, keyed by hook name in forward order.
/// The cache owns its tensors (detached, moved out of the run's dispose scope) and disposes them with itself.
/// <para>Shapes (b = batch, p = pos, h = head_index, q/k = query/key pos):</para>
/// <list type="table">
/// <item><term><c>hook_embed</c>, <c>hook_pos_embed</c></term><description>[b, p, d_model] (pos_embed is broadcast over the batch)</description></item>
/// <item><term><c>blocks.{l}.hook_resid_pre</c>, <c>hook_resid_mid</c>, <c>hook_resid_post</c></term><description>[b, p, d_model]</description></item>
/// <item><term><c>blocks.{l}.ln1.hook_scale</c>, <c>ln2.hook_scale</c>, <c>ln_final.hook_scale</c></term><description>[b, p, 1]</description></item>
/// <item><term><c>blocks.{l}.ln1.hook_normalized</c>, <c>ln2.hook_normalized</c>, <c>ln_final.hook_normalized</c></term><description>[b, p, d_model] (after w and b)</description></item>
/// <item><term><c>blocks.{l}.attn.hook_q</c>, <c>hook_k</c>, <c>hook_v</c>, <c>hook_z</c></term><description>[b, p, h, d_head]</description></item>
/// <item><term><c>blocks.{l}.attn.hook_attn_scores</c></term><description>[b, h, q, k], scaled by 1/sqrt(d_head), −∞ above the diagonal</description></item>
/// <item><term><c>blocks.{l}.attn.hook_pattern</c></term><description>[b, h, q, k], rows sum to 1</description></item>
/// <item><term><c>blocks.{l}.hook_attn_out</c>, <c>hook_mlp_out</c></term><description>[b, p, d_model]</description></item>
/// <item><term><c>blocks.{l}.mlp.hook_pre</c>, <c>mlp.hook_post</c></term><description>[b, p, d_mlp]</description></item>
/// </list>
/// The ln hooks are absent when normalization_type is null; resid_mid, ln2 and mlp hooks are absent when attn_only.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "TransformerLens's name for it.")]
public sealed class ActivationCache : IReadOnlyDictionary<HookName, Tensor>, IDisposable
{
    private readonly List<HookName> _order = [];
    private readonly Dictionary<HookName, Tensor> _tensors = [];
    private bool _disposed;

    internal ActivationCache() { }

    internal void Add(HookName name, Tensor activation)
    {
        if (_tensors.TryGetValue(name, out var old)) old.Dispose();
        else _order.Add(name);
        _tensors[name] = activation;
    }

    internal IEnumerable<Tensor> Tensors => _order.Select(n => _tensors[n]);

    public Tensor this[HookName key]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _tensors.TryGetValue(key, out var t)
                ? t
                : throw new KeyNotFoundException($"The cache holds no '{key}' (it was filtered out, or this model has no such hook point).");
        }
    }

    /// <summary>Look up by TransformerLens name, e.g. <c>cache["blocks.0.attn.hook_pattern"]</c>.</summary>
    public Tensor this[string name] => this[HookName.Parse(name)];

    /// <summary>blocks.{layer}.attn.hook_pattern [batch, head_index, query_pos, key_pos].</summary>
    public Tensor Pattern(int layer) => this[HookName.Pattern(layer)];

    /// <summary>blocks.{layer}.attn.hook_z [batch, pos, head_index, d_head].</summary>
    public Tensor Z(int layer) => this[HookName.Z(layer)];

    /// <summary>Hook names in the order the forward pass reached them.</summary>
    public IEnumerable<HookName> Keys => _order;
    public IEnumerable<Tensor> Values => Tensors;
    public int Count => _order.Count;
    public bool ContainsKey(HookName key) => _tensors.ContainsKey(key);

    public bool TryGetValue(HookName key, out Tensor value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _tensors.TryGetValue(key, out value!);
    }

    public IEnumerator<KeyValuePair<HookName, Tensor>> GetEnumerator() =>
        _order.Select(n => new KeyValuePair<HookName, Tensor>(n, _tensors[n])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
        _order.Clear();
    }
}
