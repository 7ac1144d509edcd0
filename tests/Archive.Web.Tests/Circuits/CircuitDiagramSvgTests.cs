using System.Globalization;
using System.Xml.Linq;
using Archive.Data.Circuits;
using Archive.Web.Circuits;

namespace Archive.Web.Tests.Circuits;

public sealed class CircuitDiagramSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static CircuitDiagramNode Head(int layer, int head, string? label = null) =>
        new($"L{layer}H{head}", CircuitNodeKind.AttnHead, layer, head, null, null, label ?? $"Head {layer}.{head}", "");

    /// <summary>An induction circuit, nodes deliberately out of order.</summary>
    private static CircuitDiagramData Induction() => new(
        "induction", "Induction circuit", "", null, null,
        [
            new("logits", CircuitNodeKind.Logit, null, null, null, null, "Logits", ""),
            Head(1, 4, "Induction head"),
            new("mlp0", CircuitNodeKind.Mlp, 0, null, null, null, "MLP 0", ""),
            Head(0, 3),
            new("F12", CircuitNodeKind.Feature, 1, null, 12, null, "quote opener", "", DictionarySlug: "res-l1"),
            Head(0, 1, "Previous-token head"),
            new("n5", CircuitNodeKind.Neuron, 0, null, 5, null, "N5", ""),
            new("pos", CircuitNodeKind.PosEmbed, null, null, null, null, "Positional embedding", ""),
            new("embed", CircuitNodeKind.Embed, null, null, null, null, "Token embedding", ""),
        ],
        [
            new("embed", "L0H1", 0.4, CircuitEdgeKind.Residual),
            new("L0H1", "L1H4", 0.8, CircuitEdgeKind.K),
            new("L0H3", "L1H4", -0.2, CircuitEdgeKind.Q),
            new("L1H4", "logits", -0.8, CircuitEdgeKind.O),
            new("L1H4", "missing-node", 5.0, CircuitEdgeKind.O),
        ]);

    private static XElement Render(CircuitDiagramData circuit) =>
        XElement.Parse(CircuitDiagramSvg.Render(circuit, "0-induction", "/specimens/induction-2l"));

    [Fact]
    public void Columns_follow_the_forward_pass()
    {
        var columns = CircuitDiagramSvg.Layout(Induction().Nodes);

        Assert.Equal(["embed", "L0 attn", "L0 MLP", "L1 attn", "L1 features", "logits"], columns.Select(c => c.Label));
        Assert.Equal(["embed", "pos"], columns[0].Nodes.Select(n => n.Node.Key));
        Assert.Equal(["L0H1", "L0H3"], columns[1].Nodes.Select(n => n.Node.Key));
        Assert.Equal(["mlp0", "n5"], columns[2].Nodes.Select(n => n.Node.Key));
        var xs = columns.Select(c => c.Nodes[0].X).ToList();
        Assert.Equal(xs.Order(), xs);
        Assert.Equal(xs.Count, xs.Distinct().Count());
    }

    [Fact]
    public void A_cnn_unit_node_links_to_its_unit_page_when_the_model_has_them_and_is_named_as_claims_target_it()
    {
        var unit = new CircuitDiagramNode("conv2:3", CircuitNodeKind.Neuron, 1, null, 3, null, "conv2:3", "");
        var neuron = new CircuitDiagramNode("n5", CircuitNodeKind.Neuron, 0, null, 5, null, "N5", "");

        Assert.Equal("conv2:3", unit.Component);
        Assert.Equal("/models/mnist-cnn/units/conv2:3", CircuitDiagramSvg.NodeHref(unit, "/specimens/curves", "/models/mnist-cnn/units"));
        Assert.Equal("/specimens/curves?component=conv2%3A3#claims", CircuitDiagramSvg.NodeHref(unit, "/specimens/curves"));
        Assert.Equal("/specimens/curves?component=L0N5#claims", CircuitDiagramSvg.NodeHref(neuron, "/specimens/curves", "/models/mnist-cnn/units"));
    }

    [Fact]
    public void Layers_sort_numerically_not_alphabetically()
    {
        var nodes = new[] { Head(10, 0), Head(2, 0), Head(1, 0) };

        var columns = CircuitDiagramSvg.Layout(nodes);

        Assert.Equal(["L1 attn", "L2 attn", "L10 attn"], columns.Select(c => c.Label));
    }

    [Fact]
    public void Within_a_column_nodes_are_ordered_by_position_then_head()
    {
        var nodes = new[]
        {
            Head(0, 2) with { Key = "a", Position = 3 },
            Head(0, 7) with { Key = "b", Position = 1 },
            Head(0, 1) with { Key = "c", Position = 3 },
        };

        var column = Assert.Single(CircuitDiagramSvg.Layout(nodes));

        Assert.Equal(["b", "c", "a"], column.Nodes.Select(n => n.Node.Key));
        Assert.True(column.Nodes[0].Y < column.Nodes[1].Y && column.Nodes[1].Y < column.Nodes[2].Y);
    }

    [Fact]
    public void Output_is_well_formed_svg_with_an_accessible_name()
    {
        var svg = Render(Induction());

        Assert.Equal(Svg + "svg", svg.Name);
        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Contains("Induction circuit", (string?)svg.Attribute("aria-label"));
        Assert.All(svg.Descendants(), e => Assert.Equal(Svg, e.Name.Namespace));
    }

    [Fact]
    public void Edge_widths_are_proportional_to_absolute_weight()
    {
        var edges = Render(Induction()).Descendants(Svg + "path").Where(p => ((string?)p.Attribute("class"))?.StartsWith("edge") == true).ToList();
        double Width(string source, string target) => double.Parse(
            (string)edges.Single(e => (string?)e.Attribute("data-source") == source && (string?)e.Attribute("data-target") == target).Attribute("stroke-width")!,
            CultureInfo.InvariantCulture);

        Assert.Equal(4, edges.Count); // the edge to a node that is not in the circuit is left out
        Assert.Equal(CircuitDiagramSvg.MaxStrokeWidth, Width("L0H1", "L1H4"));
        Assert.Equal(CircuitDiagramSvg.MaxStrokeWidth, Width("L1H4", "logits"));
        Assert.Equal(Width("L0H1", "L1H4") / 2, Width("embed", "L0H1"), 2);
        Assert.Equal(Width("L0H1", "L1H4") / 4, Width("L0H3", "L1H4"), 2);
    }

    [Fact]
    public void Edge_colour_and_arrowhead_follow_the_sign()
    {
        var edges = Render(Induction()).Descendants(Svg + "path").Where(p => p.Attribute("data-source") is not null).ToList();

        var positive = edges.Single(e => (string?)e.Attribute("data-target") == "L0H1");
        var negative = edges.Single(e => (string?)e.Attribute("data-target") == "logits");
        Assert.Equal(CircuitDiagramSvg.PositiveColour, (string?)positive.Attribute("stroke"));
        Assert.Equal(CircuitDiagramSvg.NegativeColour, (string?)negative.Attribute("stroke"));
        Assert.Equal("url(#c-0-induction-arrow-pos)", (string?)positive.Attribute("marker-end"));
        Assert.Equal("url(#c-0-induction-arrow-neg)", (string?)negative.Attribute("marker-end"));
        Assert.Contains("−0.8", (string?)negative.Element(Svg + "title"));
    }

    [Fact]
    public void Markers_are_defined_once_per_diagram_with_unique_ids()
    {
        var svg = Render(Induction());

        var ids = svg.Descendants(Svg + "marker").Select(m => (string?)m.Attribute("id")).ToList();
        Assert.Equal(["c-0-induction-arrow-pos", "c-0-induction-arrow-neg"], ids);
    }

    [Fact]
    public void Every_node_is_a_link_to_its_component()
    {
        var links = Render(Induction()).Descendants(Svg + "a").ToDictionary(a => (string)a.Attribute("data-node")!, a => (string)a.Attribute("href")!);

        Assert.Equal(9, links.Count);
        Assert.Equal("/specimens/induction-2l?component=L1H4#claims", links["L1H4"]);
        Assert.Equal("/specimens/induction-2l?component=L0MLP#claims", links["mlp0"]);
        Assert.Equal("/specimens/induction-2l?component=L0N5#claims", links["n5"]);
        Assert.Equal("/dictionaries/res-l1/features/12", links["F12"]);
    }

    [Fact]
    public void Node_kinds_have_distinct_shapes()
    {
        var svg = Render(Induction());
        string Shape(string key) => svg.Descendants(Svg + "a").Single(a => (string?)a.Attribute("data-node") == key)
            .Elements().First(e => e.Name != Svg + "title").Name.LocalName;

        Assert.Equal("circle", Shape("L1H4"));
        Assert.Equal("rect", Shape("mlp0"));
        Assert.Equal("polygon", Shape("n5"));
        Assert.Equal("polygon", Shape("F12"));
        Assert.Equal("rect", Shape("logits"));
        Assert.Equal(CircuitDiagramSvg.Kinds.Count, CircuitDiagramSvg.Kinds.Select(k => k.Fill).Distinct().Count());
    }

    [Fact]
    public void Nodes_carry_tooltips_with_label_and_description()
    {
        var circuit = Induction() with
        {
            Nodes = [Head(1, 4, "Induction head") with { Description = "Induction score 0.71.", Activation = 2.5 }],
            Edges = [],
        };

        var title = Render(circuit).Descendants(Svg + "a").Single().Element(Svg + "title")!.Value;

        Assert.Equal("Induction head (attention head, layer 1, head 4)\nInduction score 0.71.\nactivation 2.5", title);
    }

    [Fact]
    public void Labels_keys_and_descriptions_are_escaped()
    {
        var hostile = "<script>alert(\"x\")</script> & ]]>";
        var circuit = new CircuitDiagramData(
            "x", "Title <b>", "", null, null,
            [
                new("a\"><script>", CircuitNodeKind.AttnHead, 0, 0, null, null, hostile, hostile),
                new("b", CircuitNodeKind.Logit, null, null, null, null, "\u0001bell\u0007", ""),
            ],
            [new("a\"><script>", "b", 1, CircuitEdgeKind.O)]);

        var markup = CircuitDiagramSvg.Render(circuit, "p", "/specimens/x");
        var svg = XElement.Parse(markup);

        Assert.DoesNotContain("<script", markup);
        Assert.DoesNotContain("<b>", markup);
        Assert.Contains("&lt;script&gt;", markup);
        Assert.Contains(svg.Descendants(Svg + "title"), t => t.Value.Contains(hostile));
        Assert.Equal("a\"><script>", (string?)svg.Descendants(Svg + "a").First().Attribute("data-node"));
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "bell");
    }

    [Fact]
    public void An_empty_circuit_still_renders()
    {
        var svg = XElement.Parse(CircuitDiagramSvg.Render(new CircuitDiagramData("e", "Empty", "", null, null, [], []), "e", "/s"));

        Assert.Empty(svg.Descendants(Svg + "a"));
    }

    [Theory]
    [InlineData(1.0, 1.0, 6.0)]
    [InlineData(-0.5, 1.0, 3.0)]
    [InlineData(0.0, 1.0, 0.5)]
    [InlineData(0.3, 0.0, 0.5)]
    public void Stroke_width_scale(double weight, double max, double expected)
    {
        Assert.Equal(expected, CircuitDiagramSvg.StrokeWidth(weight, max), 6);
    }
}
