using System.Globalization;

namespace Archive.Web.Graphs;

/// <summary>
/// A graph node's <c>feature</c> as a (layer, index) pair. Since schema_version 1 (circuit-tracer, 2025-08-05)
/// transcoder features are Cantor-paired, <c>z = (x+y)(x+y+1)/2 + y</c> with x = layer and y = index, and the values
/// pass 2³¹; older files from preset scans wrote <c>layer·10^k + index</c>. wwwroot/js/graph-format.js decodes the same
/// way for the drawing; this copy serves the server-rendered node table.
/// </summary>
public static class GraphFeatureIds
{
    public readonly record struct Decoded(long Layer, long Index);

    /// <summary>Inverse Cantor pairing: w = ⌊(√(8z+1) − 1)/2⌋, t = (w² + w)/2, index = z − t, layer = w − index.</summary>
    public static Decoded CantorUnpair(long z)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(z);
        var w = (IntegerSqrt(8 * (UInt128)(ulong)z + 1) - 1) / 2;
        var t = (w * w + w) / 2;
        var index = (UInt128)(ulong)z - t;
        return new((long)(w - index), (long)index);
    }

    /// <summary>⌊√n⌋ exactly (a double's square root is off by one past 2⁵³).</summary>
    private static UInt128 IntegerSqrt(UInt128 n)
    {
        var x = (UInt128)Math.Sqrt((double)n);
        while (x * x > n) x--;
        while ((x + 1) * (x + 1) <= n) x++;
        return x;
    }

    /// <summary>
    /// "L20 #15920" for a transcoder feature, or null where the id does not carry a layer: a Cantor id decodes when
    /// the file says schema_version ≥ 1; an older id from a preset scan decodes when its leading digits are the node's
    /// own layer (a "custom-" scan, one named by its transcoder list, wrote the plain index).
    /// </summary>
    public static string? Describe(long? feature, string featureType, string layer, int? schemaVersion, string scan) =>
        Decode(feature, featureType, layer, schemaVersion, scan) is { } d ? Text(d.Layer, d.Index) : null;

    /// <summary>The (layer, index) a transcoder feature id carries, by the rules of <see cref="Describe"/>; null where it carries none.</summary>
    public static Decoded? Decode(long? feature, string featureType, string layer, int? schemaVersion, string scan)
    {
        if (feature is not ({ } f and >= 0) || featureType is "embedding" or "logit" || featureType.Contains("error", StringComparison.Ordinal)) return null;
        if (schemaVersion >= 1) return CantorUnpair(f);
        if (scan.StartsWith("custom-", StringComparison.Ordinal) || !long.TryParse(layer, NumberStyles.None, CultureInfo.InvariantCulture, out var nodeLayer)) return null;
        if (nodeLayer == 0) return new(0, f);
        for (long scale = 10; scale > 0 && scale <= f; scale = scale > long.MaxValue / 10 ? -1 : scale * 10)
        {
            if (f / scale == nodeLayer) return new(nodeLayer, f % scale);
        }
        return null;
    }

    private static string Text(long layer, long index) => string.Create(CultureInfo.InvariantCulture, $"L{layer} #{index}");
}
