using System.Globalization;

namespace Archive.Engine.Transformer;

/// <summary>The kinds of hook point in a <see cref="HookedTransformer"/>, in forward order within a block.</summary>
public enum HookPoint
{
    /// <summary><c>hook_embed</c> [batch, pos, d_model]</summary>
    Embed,
    /// <summary><c>hook_pos_embed</c> [batch, pos, d_model]</summary>
    PosEmbed,
    /// <summary><c>blocks.{l}.hook_resid_pre</c> [batch, pos, d_model]</summary>
    ResidPre,
    /// <summary><c>blocks.{l}.ln1.hook_scale</c> [batch, pos, 1]</summary>
    Ln1Scale,
    /// <summary><c>blocks.{l}.ln1.hook_normalized</c> [batch, pos, d_model]</summary>
    Ln1Normalized,
    /// <summary><c>blocks.{l}.attn.hook_q</c> [batch, pos, head_index, d_head]</summary>
    Q,
    /// <summary><c>blocks.{l}.attn.hook_k</c> [batch, pos, head_index, d_head]</summary>
    K,
    /// <summary><c>blocks.{l}.attn.hook_v</c> [batch, pos, head_index, d_head]</summary>
    V,
    /// <summary><c>blocks.{l}.attn.hook_attn_scores</c> [batch, head_index, query_pos, key_pos], masked entries −∞</summary>
    AttnScores,
    /// <summary><c>blocks.{l}.attn.hook_pattern</c> [batch, head_index, query_pos, key_pos]</summary>
    Pattern,
    /// <summary><c>blocks.{l}.attn.hook_z</c> [batch, pos, head_index, d_head]</summary>
    Z,
    /// <summary><c>blocks.{l}.hook_attn_out</c> [batch, pos, d_model]</summary>
    AttnOut,
    /// <summary><c>blocks.{l}.hook_resid_mid</c> [batch, pos, d_model] (absent when attn_only)</summary>
    ResidMid,
    /// <summary><c>blocks.{l}.ln2.hook_scale</c> [batch, pos, 1]</summary>
    Ln2Scale,
    /// <summary><c>blocks.{l}.ln2.hook_normalized</c> [batch, pos, d_model]</summary>
    Ln2Normalized,
    /// <summary><c>blocks.{l}.mlp.hook_pre</c> [batch, pos, d_mlp]</summary>
    MlpPre,
    /// <summary><c>blocks.{l}.mlp.hook_post</c> [batch, pos, d_mlp]</summary>
    MlpPost,
    /// <summary><c>blocks.{l}.hook_mlp_out</c> [batch, pos, d_model]</summary>
    MlpOut,
    /// <summary><c>blocks.{l}.hook_resid_post</c> [batch, pos, d_model]</summary>
    ResidPost,
    /// <summary><c>ln_final.hook_scale</c> [batch, pos, 1]</summary>
    LnFinalScale,
    /// <summary><c>ln_final.hook_normalized</c> [batch, pos, d_model]</summary>
    LnFinalNormalized,
}

/// <summary>
/// A typed hook-point name. <see cref="ToString"/> spells it as TransformerLens does
/// (<c>blocks.3.attn.hook_pattern</c>) and <see cref="Parse"/> reads that spelling back.
/// </summary>
public readonly record struct HookName
{
    private HookName(HookPoint point, int layer)
    {
        Point = point;
        Layer = layer;
    }

    public HookPoint Point { get; }

    /// <summary>The block index, or −1 for the points outside the blocks (embeddings, ln_final).</summary>
    public int Layer { get; }

    public bool IsBlockPoint => Layer >= 0;

    public static HookName Embed { get; } = new(HookPoint.Embed, -1);
    public static HookName PosEmbed { get; } = new(HookPoint.PosEmbed, -1);
    public static HookName ResidPre(int layer) => Block(HookPoint.ResidPre, layer);
    public static HookName Ln1Scale(int layer) => Block(HookPoint.Ln1Scale, layer);
    public static HookName Ln1Normalized(int layer) => Block(HookPoint.Ln1Normalized, layer);
    public static HookName Q(int layer) => Block(HookPoint.Q, layer);
    public static HookName K(int layer) => Block(HookPoint.K, layer);
    public static HookName V(int layer) => Block(HookPoint.V, layer);
    public static HookName AttnScores(int layer) => Block(HookPoint.AttnScores, layer);
    public static HookName Pattern(int layer) => Block(HookPoint.Pattern, layer);
    public static HookName Z(int layer) => Block(HookPoint.Z, layer);
    public static HookName AttnOut(int layer) => Block(HookPoint.AttnOut, layer);
    public static HookName ResidMid(int layer) => Block(HookPoint.ResidMid, layer);
    public static HookName Ln2Scale(int layer) => Block(HookPoint.Ln2Scale, layer);
    public static HookName Ln2Normalized(int layer) => Block(HookPoint.Ln2Normalized, layer);
    public static HookName MlpPre(int layer) => Block(HookPoint.MlpPre, layer);
    public static HookName MlpPost(int layer) => Block(HookPoint.MlpPost, layer);
    public static HookName MlpOut(int layer) => Block(HookPoint.MlpOut, layer);
    public static HookName ResidPost(int layer) => Block(HookPoint.ResidPost, layer);
    public static HookName LnFinalScale { get; } = new(HookPoint.LnFinalScale, -1);
    public static HookName LnFinalNormalized { get; } = new(HookPoint.LnFinalNormalized, -1);

    /// <summary>Any point by kind; <paramref name="layer"/> is required for block points and must be null otherwise.</summary>
    public static HookName Of(HookPoint point, int? layer = null)
    {
        bool global = point is HookPoint.Embed or HookPoint.PosEmbed or HookPoint.LnFinalScale or HookPoint.LnFinalNormalized;
        if (global)
        {
            if (layer is not null) throw new ArgumentException($"Hook point {point} is not inside a block; pass no layer.", nameof(layer));
            return new HookName(point, -1);
        }
        if (layer is null) throw new ArgumentException($"Hook point {point} is inside a block; pass its layer.", nameof(layer));
        return Block(point, layer.Value);
    }

    private static HookName Block(HookPoint point, int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        return new HookName(point, layer);
    }

    private static readonly (HookPoint Point, string Suffix)[] Suffixes =
    [
        (HookPoint.ResidPre, "hook_resid_pre"),
        (HookPoint.Ln1Scale, "ln1.hook_scale"),
        (HookPoint.Ln1Normalized, "ln1.hook_normalized"),
        (HookPoint.Q, "attn.hook_q"),
        (HookPoint.K, "attn.hook_k"),
        (HookPoint.V, "attn.hook_v"),
        (HookPoint.AttnScores, "attn.hook_attn_scores"),
        (HookPoint.Pattern, "attn.hook_pattern"),
        (HookPoint.Z, "attn.hook_z"),
        (HookPoint.AttnOut, "hook_attn_out"),
        (HookPoint.ResidMid, "hook_resid_mid"),
        (HookPoint.Ln2Scale, "ln2.hook_scale"),
        (HookPoint.Ln2Normalized, "ln2.hook_normalized"),
        (HookPoint.MlpPre, "mlp.hook_pre"),
        (HookPoint.MlpPost, "mlp.hook_post"),
        (HookPoint.MlpOut, "hook_mlp_out"),
        (HookPoint.ResidPost, "hook_resid_post"),
    ];

    private static readonly (HookPoint Point, string Name)[] Globals =
    [
        (HookPoint.Embed, "hook_embed"),
        (HookPoint.PosEmbed, "hook_pos_embed"),
        (HookPoint.LnFinalScale, "ln_final.hook_scale"),
        (HookPoint.LnFinalNormalized, "ln_final.hook_normalized"),
    ];

    /// <summary>The TransformerLens spelling, e.g. <c>blocks.0.attn.hook_pattern</c>.</summary>
    public override string ToString()
    {
        var point = Point;
        if (Layer < 0) return Array.Find(Globals, g => g.Point == point).Name;
        return $"blocks.{Layer.ToString(CultureInfo.InvariantCulture)}.{Array.Find(Suffixes, s => s.Point == point).Suffix}";
    }

    public static HookName Parse(string name) =>
        TryParse(name, out var hook) ? hook : throw new FormatException($"'{name}' is not a hook point name (expected e.g. 'blocks.0.attn.hook_pattern').");

    public static bool TryParse(string? name, out HookName result)
    {
        result = default;
        if (string.IsNullOrEmpty(name)) return false;
        foreach (var (point, global) in Globals)
        {
            if (name == global)
            {
                result = new HookName(point, -1);
                return true;
            }
        }
        const string prefix = "blocks.";
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return false;
        int dot = name.IndexOf('.', prefix.Length);
        if (dot < 0) return false;
        var layerText = name.AsSpan(prefix.Length, dot - prefix.Length);
        if (layerText.Length == 0 || (layerText.Length > 1 && layerText[0] == '0')) return false;
        foreach (char c in layerText) if (c is < '0' or > '9') return false;
        if (!int.TryParse(layerText, NumberStyles.None, CultureInfo.InvariantCulture, out int layer)) return false;
        var suffix = name.AsSpan(dot + 1);
        foreach (var (point, s) in Suffixes)
        {
            if (suffix.SequenceEqual(s))
            {
                result = new HookName(point, layer);
                return true;
            }
        }
        return false;
    }
}
