using System.Globalization;
using System.Text;
using System.Xml;
using Archive.Data.Circuits;

namespace Archive.Web.Circuits;

/// <summary>Where the layout put a node.</summary>
public sealed record PlacedNode(CircuitDiagramNode Node, int Column, int Row, double X, double Y);

/// <summary>A column of the layout: one stage of the forward pass (embeddings, a layer's heads, its MLP, logits).</summary>
public sealed record DiagramColumn(int Index, string Label, IReadOnlyList<PlacedNode> Nodes);

/// <summary>
/// Draws a circuit as inline SVG on the server. Columns run left to right in forward-pass order: embeddings, then for
/// each layer its attention heads, its MLP and neurons, its SAE features, and the logits last. Within a column nodes
/// are ordered by token position, then head or index. Edges are cubic curves whose stroke width is proportional to
/// |weight| (scaled to the largest in the circuit) and whose colour gives the sign; they end in arrowheads. Every node
/// is a focusable link; site.js highlights a node's edges on hover and focus using the data-* attributes.
/// </summary>
public static class CircuitDiagramSvg
{
    public const double ColumnSpacing = 140;
    public const double RowSpacing = 64;
    public const double Margin = 56;
    public const double HeaderHeight = 34;
    public const double MaxStrokeWidth = 6;
    public const double MinStrokeWidth = 0.5;
    /// <summary>Drawn this much larger than the layout units; narrower screens scale it down (max-width: 100%).</summary>
    public const double DisplayScale = 1.25;
    public const string PositiveColour = "#2563eb";
    public const string NegativeColour = "#dc2626";

    /// <summary>How each node kind is drawn, for the legend and for the shapes.</summary>
    public static readonly IReadOnlyList<(CircuitNodeKind Kind, string Name, string Shape, string Fill, string Stroke)> Kinds =
    [
        (CircuitNodeKind.Embed, "token embedding", "rounded rectangle", "#e2e8f0", "#475569"),
        (CircuitNodeKind.PosEmbed, "positional embedding", "rounded rectangle", "#f1f5f9", "#64748b"),
        (CircuitNodeKind.AttnHead, "attention head", "circle", "#ede9fe", "#6d28d9"),
        (CircuitNodeKind.Mlp, "MLP layer", "square", "#dcfce7", "#15803d"),
        (CircuitNodeKind.Neuron, "MLP neuron", "diamond", "#fef3c7", "#b45309"),
        (CircuitNodeKind.Feature, "SAE feature", "hexagon", "#cffafe", "#0e7490"),
        (CircuitNodeKind.Logit, "logit", "pill", "#fce7f3", "#be185d"),
    ];

    public static string KindName(CircuitNodeKind kind) => Kinds.First(k => k.Kind == kind).Name;

    /// <summary>The order of columns: embeddings, per layer (heads, MLP and neurons, features), unplaced, logits.</summary>
    internal static (long Order, string Label) ColumnOf(CircuitDiagramNode node) => (node.Kind, node.Layer) switch
    {
        (CircuitNodeKind.Embed or CircuitNodeKind.PosEmbed, _) => (-1, "embed"),
        (CircuitNodeKind.Logit, _) => (long.MaxValue, "logits"),
        (CircuitNodeKind.AttnHead, { } l) => (l * 3L, $"L{l} attn"),
        (CircuitNodeKind.Mlp or CircuitNodeKind.Neuron, { } l) => (l * 3L + 1, $"L{l} MLP"),
        (CircuitNodeKind.Feature, { } l) => (l * 3L + 2, $"L{l} features"),
        _ => (long.MaxValue - 1, "other"),
    };

    public static IReadOnlyList<DiagramColumn> Layout(IReadOnlyList<CircuitDiagramNode> nodes)
    {
        var groups = nodes
            .GroupBy(ColumnOf)
            .OrderBy(g => g.Key.Order)
            .Select(g => g
                .OrderBy(n => n.Position ?? -1)
                .ThenBy(n => n.Kind == CircuitNodeKind.PosEmbed ? 1 : 0)
                .ThenBy(n => n.Kind == CircuitNodeKind.Neuron ? 1 : 0)
                .ThenBy(n => n.Head ?? -1)
                .ThenBy(n => n.Index ?? -1)
                .ThenBy(n => n.Key, StringComparer.Ordinal)
                .ToList())
            .ToList();
        var labels = nodes.GroupBy(ColumnOf).OrderBy(g => g.Key.Order).Select(g => g.Key.Label).ToList();
        var maxRows = groups.Count == 0 ? 0 : groups.Max(g => g.Count);

        var columns = new List<DiagramColumn>(groups.Count);
        for (var c = 0; c < groups.Count; c++)
        {
            var group = groups[c];
            var offset = (maxRows - group.Count) / 2.0;
            var placed = group
                .Select((n, r) => new PlacedNode(n, c, r, Margin + c * ColumnSpacing, Margin + HeaderHeight + (offset + r) * RowSpacing))
                .ToList();
            columns.Add(new DiagramColumn(c, labels[c], placed));
        }
        return columns;
    }

    /// <summary>Stroke width for an edge: proportional to |weight| over the circuit's largest |weight|, floored so it stays visible.</summary>
    public static double StrokeWidth(double weight, double maxAbsWeight) =>
        maxAbsWeight <= 0 || double.IsNaN(weight) ? MinStrokeWidth : Math.Max(MinStrokeWidth, MaxStrokeWidth * Math.Abs(weight) / maxAbsWeight);

    public static string EdgeColour(double weight) => weight < 0 ? NegativeColour : PositiveColour;

    /// <summary>Where a node links: SAE features to their dashboard, a CNN's units to their page (when the model has
    /// unit pages), everything else to the claims about it.</summary>
    public static string NodeHref(CircuitDiagramNode node, string componentBaseUrl, string? unitBaseUrl = null) =>
        node.Kind == CircuitNodeKind.Feature && node.DictionarySlug is { } dictionary && node.Index is { } index
            ? $"/dictionaries/{Uri.EscapeDataString(dictionary)}/features/{index}"
            : node.Kind == CircuitNodeKind.Neuron && unitBaseUrl is not null && Archive.Formats.Models.UnitName.TryParse(node.Key, out var unit)
                ? $"{unitBaseUrl}/{Uri.EscapeDataString(unit.Layer)}:{unit.Channel}"
                : $"{componentBaseUrl}?component={Uri.EscapeDataString(node.Component)}#claims";

    public static string FormatWeight(double weight) =>
        weight.ToString("+0.###;−0.###;0", CultureInfo.InvariantCulture);

    /// <param name="idPrefix">Unique within the page (marker ids): several diagrams can share a page.</param>
    /// <param name="componentBaseUrl">The specimen page nodes link back to, e.g. <c>/specimens/induction</c>.</param>
    /// <param name="unitBaseUrl">The model's unit pages (<c>/models/{slug}/units</c>), when it has them.</param>
    public static string Render(CircuitDiagramData circuit, string idPrefix, string componentBaseUrl, string? unitBaseUrl = null)
    {
        var columns = Layout(circuit.Nodes);
        var placed = columns.SelectMany(c => c.Nodes).GroupBy(p => p.Node.Key).ToDictionary(g => g.Key, g => g.First());
        var edges = circuit.Edges.Where(e => placed.ContainsKey(e.Source) && placed.ContainsKey(e.Target)).ToList();
        var maxAbs = edges.Count == 0 ? 0 : edges.Max(e => double.IsNaN(e.Weight) ? 0 : Math.Abs(e.Weight));
        var maxRows = columns.Count == 0 ? 1 : columns.Max(c => c.Nodes.Count);
        var width = Margin * 2 + Math.Max(0, columns.Count - 1) * ColumnSpacing;
        var height = Margin * 2 + HeaderHeight + Math.Max(0, maxRows - 1) * RowSpacing;
        var id = SafeId(idPrefix);

        var sb = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment, Indent = false };
        using (var w = XmlWriter.Create(sb, settings))
        {
            w.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            w.WriteAttributeString("class", "circuit-svg");
            w.WriteAttributeString("id", id);
            w.WriteAttributeString("viewBox", $"0 0 {F(width)} {F(height)}");
            w.WriteAttributeString("width", F(width * DisplayScale));
            w.WriteAttributeString("height", F(height * DisplayScale));
            w.WriteAttributeString("role", "img");
            w.WriteAttributeString("aria-label",
                Clean($"Circuit diagram “{circuit.Title}”: {circuit.Nodes.Count} nodes and {edges.Count} edges; the table that follows lists every edge."));

            w.WriteStartElement("defs");
            WriteMarker(w, $"{id}-arrow-pos", PositiveColour);
            WriteMarker(w, $"{id}-arrow-neg", NegativeColour);
            w.WriteEndElement();

            w.WriteStartElement("g");
            w.WriteAttributeString("class", "columns");
            foreach (var column in columns)
            {
                w.WriteStartElement("text");
                w.WriteAttributeString("class", "column-label");
                w.WriteAttributeString("x", F(Margin + column.Index * ColumnSpacing));
                w.WriteAttributeString("y", F(Margin - 8));
                w.WriteAttributeString("text-anchor", "middle");
                w.WriteString(column.Label);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("g");
            w.WriteAttributeString("class", "edges");
            foreach (var edge in edges.OrderBy(e => Math.Abs(e.Weight)))
                WriteEdge(w, edge, placed[edge.Source], placed[edge.Target], maxAbs, id);
            w.WriteEndElement();

            w.WriteStartElement("g");
            w.WriteAttributeString("class", "nodes");
            foreach (var node in columns.SelectMany(c => c.Nodes))
                WriteNode(w, node, componentBaseUrl, unitBaseUrl);
            w.WriteEndElement();

            w.WriteEndElement();
        }
        return sb.ToString();
    }

    private static void WriteMarker(XmlWriter w, string markerId, string colour)
    {
        w.WriteStartElement("marker");
        w.WriteAttributeString("id", markerId);
        w.WriteAttributeString("viewBox", "0 0 10 10");
        w.WriteAttributeString("refX", "9");
        w.WriteAttributeString("refY", "5");
        w.WriteAttributeString("markerWidth", "9");
        w.WriteAttributeString("markerHeight", "9");
        w.WriteAttributeString("markerUnits", "userSpaceOnUse");
        w.WriteAttributeString("orient", "auto");
        w.WriteStartElement("path");
        w.WriteAttributeString("d", "M0,0 L10,5 L0,10 z");
        w.WriteAttributeString("fill", colour);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void WriteEdge(XmlWriter w, CircuitDiagramEdge edge, PlacedNode source, PlacedNode target, double maxAbs, string id)
    {
        var (sx, sy) = (source.X + HalfWidth(source.Node.Kind), source.Y);
        string d;
        if (target.Column > source.Column)
        {
            var (tx, ty) = (target.X - HalfWidth(target.Node.Kind) - 1, target.Y);
            var bend = (tx - sx) / 2;
            d = $"M{F(sx)},{F(sy)} C{F(sx + bend)},{F(sy)} {F(tx - bend)},{F(ty)} {F(tx)},{F(ty)}";
        }
        else
        {
            // Same or earlier column (rare: a graph edited by hand): loop out to the right and come back in.
            var (tx, ty) = (target.X + HalfWidth(target.Node.Kind) + 1, target.Y);
            var reach = Math.Max(sx, tx) + ColumnSpacing / 2.5;
            d = $"M{F(sx)},{F(sy)} C{F(reach)},{F(sy)} {F(reach)},{F(ty)} {F(tx)},{F(ty)}";
        }

        var sign = edge.Weight < 0 ? "neg" : "pos";
        w.WriteStartElement("path");
        w.WriteAttributeString("class", $"edge edge-{sign}");
        w.WriteAttributeString("d", d);
        w.WriteAttributeString("stroke", EdgeColour(edge.Weight));
        w.WriteAttributeString("stroke-width", F(StrokeWidth(edge.Weight, maxAbs)));
        w.WriteAttributeString("fill", "none");
        w.WriteAttributeString("marker-end", $"url(#{id}-arrow-{sign})");
        w.WriteAttributeString("data-source", Clean(edge.Source));
        w.WriteAttributeString("data-target", Clean(edge.Target));
        w.WriteAttributeString("data-weight", edge.Weight.ToString("R", CultureInfo.InvariantCulture));
        w.WriteElementString("title",
            Clean($"{source.Node.Label} → {target.Node.Label}: weight {FormatWeight(edge.Weight)} ({edge.Kind.ToString().ToLowerInvariant()})"));
        w.WriteEndElement();
    }

    private static void WriteNode(XmlWriter w, PlacedNode placed, string componentBaseUrl, string? unitBaseUrl)
    {
        var node = placed.Node;
        var style = Kinds.First(k => k.Kind == node.Kind);
        var (x, y) = (placed.X, placed.Y);

        w.WriteStartElement("a");
        w.WriteAttributeString("class", $"node node-{KindSlug(node.Kind)}");
        w.WriteAttributeString("href", NodeHref(node, componentBaseUrl, unitBaseUrl));
        w.WriteAttributeString("data-node", Clean(node.Key));
        w.WriteElementString("title", Clean(Tooltip(node)));

        switch (node.Kind)
        {
            case CircuitNodeKind.AttnHead:
                w.WriteStartElement("circle");
                w.WriteAttributeString("cx", F(x));
                w.WriteAttributeString("cy", F(y));
                w.WriteAttributeString("r", "18");
                break;
            case CircuitNodeKind.Mlp:
                WriteRect(w, x, y, 36, 36, 3);
                break;
            case CircuitNodeKind.Neuron:
                w.WriteStartElement("polygon");
                w.WriteAttributeString("points", Points(x, y, [(0, -20), (20, 0), (0, 20), (-20, 0)]));
                break;
            case CircuitNodeKind.Feature:
                w.WriteStartElement("polygon");
                w.WriteAttributeString("points", Points(x, y, [(-19, 0), (-9.5, -17), (9.5, -17), (19, 0), (9.5, 17), (-9.5, 17)]));
                break;
            case CircuitNodeKind.Logit:
                WriteRect(w, x, y, 44, 28, 14);
                break;
            default:
                WriteRect(w, x, y, 44, 28, 6);
                break;
        }
        w.WriteAttributeString("class", "shape");
        w.WriteAttributeString("fill", style.Fill);
        w.WriteAttributeString("stroke", style.Stroke);
        w.WriteEndElement();

        w.WriteStartElement("text");
        w.WriteAttributeString("class", "node-glyph");
        w.WriteAttributeString("x", F(x));
        w.WriteAttributeString("y", F(y + 3.5));
        w.WriteAttributeString("text-anchor", "middle");
        w.WriteString(Glyph(node));
        w.WriteEndElement();

        var caption = Caption(node);
        if (caption is not null)
        {
            w.WriteStartElement("text");
            w.WriteAttributeString("class", "node-label");
            w.WriteAttributeString("x", F(x));
            w.WriteAttributeString("y", F(y + 32));
            w.WriteAttributeString("text-anchor", "middle");
            w.WriteString(caption);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void WriteRect(XmlWriter w, double x, double y, double width, double height, double radius)
    {
        w.WriteStartElement("rect");
        w.WriteAttributeString("x", F(x - width / 2));
        w.WriteAttributeString("y", F(y - height / 2));
        w.WriteAttributeString("width", F(width));
        w.WriteAttributeString("height", F(height));
        w.WriteAttributeString("rx", F(radius));
    }

    private static double HalfWidth(CircuitNodeKind kind) => kind switch
    {
        CircuitNodeKind.AttnHead => 18,
        CircuitNodeKind.Mlp => 18,
        CircuitNodeKind.Neuron => 20,
        CircuitNodeKind.Feature => 19,
        _ => 22,
    };

    /// <summary>The short text inside the shape.</summary>
    private static string Glyph(CircuitDiagramNode node) => node.Kind switch
    {
        CircuitNodeKind.AttnHead when node.Layer is { } l && node.Head is { } h => $"L{l}H{h}",
        CircuitNodeKind.Mlp when node.Layer is { } l => $"MLP{l}",
        CircuitNodeKind.Neuron when node.Index is { } i => $"N{i}",
        CircuitNodeKind.Feature when node.Index is { } i => $"F{i}",
        CircuitNodeKind.Embed => "emb",
        CircuitNodeKind.PosEmbed => "pos",
        CircuitNodeKind.Logit => "logit",
        _ => Truncate(Clean(node.Label), 5),
    };

    /// <summary>The label under the shape, when it says more than the glyph.</summary>
    private static string? Caption(CircuitDiagramNode node)
    {
        var label = Clean(node.Label).Trim();
        var parts = new List<string>();
        if (label.Length > 0 && !string.Equals(label, Glyph(node), StringComparison.OrdinalIgnoreCase)) parts.Add(Truncate(label, 18));
        if (node.Position is { } p) parts.Add($"@{p}");
        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    private static string Tooltip(CircuitDiagramNode node)
    {
        var where = new List<string> { KindName(node.Kind) };
        if (node.Layer is { } l) where.Add($"layer {l}");
        if (node.Head is { } h) where.Add($"head {h}");
        if (node.Index is { } i) where.Add(node.Kind == CircuitNodeKind.Logit ? $"token {i}" : $"index {i}");
        if (node.Position is { } p) where.Add($"position {p}");
        var sb = new StringBuilder($"{node.Label} ({string.Join(", ", where)})");
        if (!string.IsNullOrWhiteSpace(node.Description)) sb.Append('\n').Append(node.Description.Trim());
        var numbers = new List<string>();
        if (node.Activation is { } a) numbers.Add($"activation {a.ToString("G4", CultureInfo.InvariantCulture)}");
        if (node.Influence is { } inf) numbers.Add($"influence {inf.ToString("G4", CultureInfo.InvariantCulture)}");
        if (numbers.Count > 0) sb.Append('\n').Append(string.Join(" · ", numbers));
        return sb.ToString();
    }

    internal static string KindSlug(CircuitNodeKind kind) => kind switch
    {
        CircuitNodeKind.Embed => "embed",
        CircuitNodeKind.PosEmbed => "pos-embed",
        CircuitNodeKind.AttnHead => "attn-head",
        CircuitNodeKind.Mlp => "mlp",
        CircuitNodeKind.Neuron => "neuron",
        CircuitNodeKind.Feature => "feature",
        CircuitNodeKind.Logit => "logit",
        _ => "other",
    };

    private static string Points(double x, double y, (double Dx, double Dy)[] offsets) =>
        string.Join(' ', offsets.Select(o => $"{F(x + o.Dx)},{F(y + o.Dy)}"));

    private static string Truncate(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max - 1), "…");

    /// <summary>Drops characters XML cannot hold (C0 controls other than tab and newline, lone surrogates).</summary>
    internal static string Clean(string? s)
    {
        if (string.IsNullOrEmpty(s)) return "";
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
            }
            else if (!char.IsSurrogate(c) && XmlConvert.IsXmlChar(c))
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>An id-safe form of the prefix: letters, digits and hyphens.</summary>
    internal static string SafeId(string prefix)
    {
        var sb = new StringBuilder("c-");
        foreach (var c in prefix) sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-');
        return sb.ToString();
    }

    private static string F(double v) => Math.Round(v, 2).ToString(CultureInfo.InvariantCulture);
}
