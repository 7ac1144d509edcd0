using System.Globalization;
using System.Text.Json;

namespace Archive.Web.Graphs;

/// <summary>
/// The shape of one node and one link as the tools require it (circuit-tracer's <c>Node</c> model and frontend,
/// Neuronpedia's schema): required keys, their JSON types, and the few values they cannot read.
/// </summary>
public static class GraphNodeRules
{
    public readonly record struct Fault(string Field, string Message);

    public static Fault? FirstFault(JsonElement node, IReadOnlyList<string> promptTokens)
    {
        if (node.ValueKind != JsonValueKind.Object) return new("", "must be an object");
        if (!node.TryGetProperty("node_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
            return new("node_id", "is required (a non-empty string)");
        if (id.GetString()!.Length > 200) return new("node_id", "is longer than 200 characters");
        // CLT graphs pair layer and index into one id (Cantor pairing) that passes 2³¹; any 64-bit integer is kept.
        if (!node.TryGetProperty("feature", out var feature)) return new("feature", "is required (an integer or null)");
        if (feature.ValueKind != JsonValueKind.Null && !(feature.ValueKind == JsonValueKind.Number && feature.TryGetInt64(out _)))
            return new("feature", "must be a 64-bit integer or null");
        if (!node.TryGetProperty("layer", out var layer)
            || !(layer.ValueKind == JsonValueKind.String || layer.ValueKind == JsonValueKind.Number && layer.TryGetInt32(out _)))
            return new("layer", "is required (a string such as \"12\" or \"E\", or an integer)");
        if (!node.TryGetProperty("ctx_idx", out var ctx) || ctx.ValueKind != JsonValueKind.Number || !ctx.TryGetInt32(out var position) || position < 0)
            return new("ctx_idx", "is required (a non-negative integer)");
        if (promptTokens.Count > 0 && position >= promptTokens.Count)
            return new("ctx_idx", $"is {position}, past the {promptTokens.Count} prompt tokens");
        if (!node.TryGetProperty("feature_type", out var type) || type.ValueKind != JsonValueKind.String)
            return new("feature_type", "is required (a string such as \"cross layer transcoder\", \"mlp reconstruction error\", \"embedding\" or \"logit\")");
        foreach (var name in (ReadOnlySpan<string>)["jsNodeId", "clerp"])
            if (node.TryGetProperty(name, out var s) && s.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)) return new(name, "must be a string");
        foreach (var name in (ReadOnlySpan<string>)["influence", "activation", "token_prob"])
            if (node.TryGetProperty(name, out var x) && x.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null)) return new(name, "must be a number or null");
        foreach (var name in (ReadOnlySpan<string>)["run_idx", "reverse_ctx_idx"])
            if (node.TryGetProperty(name, out var x) && !(x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out _))) return new(name, "must be an integer");
        if (node.TryGetProperty("is_target_logit", out var target) && target.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            return new("is_target_logit", "must be true or false");
        return null;
    }

    /// <summary>A value both tools' frontends fail on, which the archive keeps but says so.</summary>
    public static string? Warning(JsonElement node) =>
        node.GetProperty("feature_type").GetString() == "logit"
        && node.TryGetProperty("clerp", out var clerp) && clerp.GetString() is { Length: > 0 } text && !text.Contains("(p=", StringComparison.Ordinal)
            ? "a logit clerp without \"(p=…)\" makes circuit-tracer's and Neuronpedia's frontends throw"
            : null;

    /// <summary>
    /// A node's layer as Neuronpedia's frontend reads it for the graph's highest layer (<c>+d.layer</c> in JavaScript):
    /// a number, a numeric string ("" is 0), or null for one that is not a number ("E").
    /// </summary>
    public static double? JsLayerNumber(JsonElement layer)
    {
        if (layer.ValueKind == JsonValueKind.Number) return layer.GetDouble();
        if (layer.ValueKind != JsonValueKind.String) return null;
        var text = layer.GetString()!.Trim();
        if (text.Length == 0) return 0;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !double.IsNaN(value) ? value : null;
    }

    /// <summary>
    /// Neuronpedia's formatCLTGraphData (apps/webapp/app/[modelId]/graph/utils.ts) takes
    /// <c>d3.max(nodes.filter(d => d.feature_type !== 'logit'), d => +d.layer)</c> and throws "No layer found" when
    /// that is falsy: 0, or no number at all. <paramref name="maxNonLogitLayer"/> is that maximum (null for none).
    /// </summary>
    public static string? GraphWarning(double? maxNonLogitLayer) =>
        maxNonLogitLayer is null or 0
            ? $"no node but the logits has a layer above 0 ({(maxNonLogitLayer is null ? "none has a numeric layer" : "the highest is 0")}); Neuronpedia's frontend throws \"No layer found\" on such a graph"
            : null;

    public static Fault? LinkFault(JsonElement link, IReadOnlyDictionary<string, int> nodes, IReadOnlySet<string> faultyNodes)
    {
        if (link.ValueKind != JsonValueKind.Object) return new("", "must be an object");
        foreach (var end in (ReadOnlySpan<string>)["source", "target"])
        {
            if (!link.TryGetProperty(end, out var v) || v.ValueKind != JsonValueKind.String) return new(end, "is required (a node_id)");
            var id = v.GetString()!;
            // A link to a node already reported is that node's fault, not a second one.
            if (!nodes.ContainsKey(id) && !faultyNodes.Contains(id)) return new(end, $"names '{Clip(id)}', which is not a node of the graph");
        }
        if (!link.TryGetProperty("weight", out var w) || w.ValueKind != JsonValueKind.Number) return new("weight", "is required (a number)");
        return null;
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
