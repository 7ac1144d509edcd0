using System.Globalization;
using System.Text.RegularExpressions;
using Archive.Formats.Models;

namespace Archive.Formats.SaeLens;

/// <summary>
/// The hook points of a transformer whose activations an SAE can read and the width (<c>d_in</c>) each has, by
/// TransformerLens's names: checked when a dictionary is uploaded, before anything is stored, so an SAE for another
/// model or another hook is refused with a reason instead of failing in the worker.
/// </summary>
public static partial class SaeHookPoints
{
    public const string Known = "hook_embed, blocks.{l}.hook_resid_pre|hook_resid_mid|hook_resid_post|hook_attn_out|hook_mlp_out, blocks.{l}.mlp.hook_pre|hook_post, blocks.{l}.attn.hook_z (with reshape_activations hook_z)";

    /// <summary>The fault in reading <paramref name="cfg"/>'s hook from a model of <paramref name="model"/>'s shape, or null.</summary>
    public static string? Check(SaeLensConfig cfg, HookedTransformerConfig model)
    {
        var hook = cfg.hook_name;
        if (string.IsNullOrEmpty(hook)) return "cfg.json names no hook_name (or hook_point).";
        int width;
        if (hook == "hook_embed") width = model.d_model;
        else
        {
            var match = BlockHook().Match(hook);
            if (!match.Success) return $"hook_name '{Shorten(hook)}' is not one the archive computes dashboards for ({Known}).";
            var layer = int.Parse(match.Groups["layer"].Value, CultureInfo.InvariantCulture);
            if (layer >= model.n_layers) return $"hook_name '{hook}' reads layer {layer}; the model has {model.n_layers} layers.";
            var point = match.Groups["point"].Value;
            if (model.attn_only && point is "hook_resid_mid" or "hook_mlp_out" or "mlp.hook_pre" or "mlp.hook_post")
                return $"hook_name '{hook}': the model is attention-only and has no MLP.";
            if (point == "attn.hook_z" && cfg.reshape_activations != "hook_z")
                return $"hook_name '{hook}' reads [n_heads, d_head] per token; cfg.json must set reshape_activations to hook_z.";
            width = point switch
            {
                "mlp.hook_pre" or "mlp.hook_post" => model.d_mlp ?? 4 * model.d_model,
                "attn.hook_z" => model.n_heads * model.d_head,
                _ => model.d_model,
            };
        }
        return cfg.d_in == width ? null : $"cfg.json has d_in {cfg.d_in}; the model's '{hook}' is {width} wide.";
    }

    [GeneratedRegex(@"^blocks\.(?<layer>[0-9]{1,4})\.(?<point>hook_resid_pre|hook_resid_mid|hook_resid_post|hook_attn_out|hook_mlp_out|mlp\.hook_pre|mlp\.hook_post|attn\.hook_z)$")]
    private static partial Regex BlockHook();

    private static string Shorten(string s) => s.Length > 100 ? s[..100] + "…" : s;
}
