namespace Archive.Formats.Models;

/// <summary>
/// The parameter names and shapes of TransformerLens <c>HookedTransformer.state_dict()</c> for a config
/// (evidence-methods.md section 1), and the check that a state dict has exactly those.
/// </summary>
public static class TransformerLensParameters
{
    /// <summary>
    /// Every expected parameter, in TransformerLens order. As in TransformerLens, <c>ln2</c> is absent when
    /// <c>attn_only</c> and all LayerNorm parameters (<c>ln_final</c> included) are absent when
    /// <c>normalization_type</c> is null.
    /// </summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Expected(HookedTransformerConfig cfg)
    {
        long d_model = cfg.d_model, n_heads = cfg.n_heads, d_head = cfg.d_head, d_vocab = cfg.d_vocab;
        bool ln = cfg.normalization_type == "LN";
        var list = new List<(string, long[])>
        {
            ("embed.W_E", [d_vocab, d_model]),   // [d_vocab, d_model]
            ("pos_embed.W_pos", [cfg.n_ctx, d_model]),
        };
        for (var l = 0; l < cfg.n_layers; l++)
        {
            var p = $"blocks.{l}.";
            if (ln)
            {
                list.Add((p + "ln1.w", [d_model]));
                list.Add((p + "ln1.b", [d_model]));
                if (!cfg.attn_only)
                {
                    list.Add((p + "ln2.w", [d_model]));
                    list.Add((p + "ln2.b", [d_model]));
                }
            }
            list.Add((p + "attn.W_Q", [n_heads, d_model, d_head]));
            list.Add((p + "attn.W_K", [n_heads, d_model, d_head]));
            list.Add((p + "attn.W_V", [n_heads, d_model, d_head]));
            list.Add((p + "attn.W_O", [n_heads, d_head, d_model]));
            list.Add((p + "attn.b_Q", [n_heads, d_head]));
            list.Add((p + "attn.b_K", [n_heads, d_head]));
            list.Add((p + "attn.b_V", [n_heads, d_head]));
            list.Add((p + "attn.b_O", [d_model]));
            if (!cfg.attn_only)
            {
                long d_mlp = cfg.d_mlp ?? throw new ModelFormatException("config-invalid", null, "d_mlp is required unless attn_only.");
                list.Add((p + "mlp.W_in", [d_model, d_mlp]));
                list.Add((p + "mlp.b_in", [d_mlp]));
                list.Add((p + "mlp.W_out", [d_mlp, d_model]));
                list.Add((p + "mlp.b_out", [d_model]));
            }
        }
        if (ln)
        {
            list.Add(("ln_final.w", [d_model]));
            list.Add(("ln_final.b", [d_model]));
        }
        list.Add(("unembed.W_U", [d_model, d_vocab]));
        list.Add(("unembed.b_U", [d_vocab]));
        return list;
    }

    /// <summary>
    /// Throws <see cref="ModelFormatException"/> naming the first parameter that is missing (<c>tensor-missing</c>),
    /// has another shape (<c>shape-mismatch</c>), or is not expected at all (<c>tensor-unexpected</c>).
    /// </summary>
    public static void Check(HookedTransformerConfig cfg, IEnumerable<(string Name, long[] Shape)> actual)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, shape) in actual) shapes[name] = shape;

        var expected = Expected(cfg);
        foreach (var (name, shape) in expected)
        {
            if (!shapes.TryGetValue(name, out var found))
                throw new ModelFormatException("tensor-missing", name, $"the config needs it with shape {Show(shape)}.");
            if (!found.AsSpan().SequenceEqual(shape))
                throw new ModelFormatException("shape-mismatch", name, $"shape is {Show(found)}; the config needs {Show(shape)}.");
        }
        var names = expected.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in shapes.Keys.Order(StringComparer.Ordinal))
        {
            if (!names.Contains(name))
                throw new ModelFormatException("tensor-unexpected", name, "it is not a TransformerLens parameter of this config.");
        }
    }

    internal static string Show(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
