using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Archive.Formats.Charts;
using Xunit;

namespace Archive.Engine.Tests.Charts;

public sealed class SvgChartsTests
{
    private const string Hostile = "<script>alert(\"x\")</script> & 'quoted' \u0001\ud800";

    /// <summary>One chart of each kind, drawn from the same values.</summary>
    public static TheoryData<string, ChartMedium> Kinds() => new()
    {
        { "heatmap", ChartMedium.Page }, { "heatmap", ChartMedium.Image },
        { "bars", ChartMedium.Page }, { "bars", ChartMedium.Image },
        { "line", ChartMedium.Page }, { "line", ChartMedium.Image },
        { "histogram", ChartMedium.Page }, { "histogram", ChartMedium.Image },
        { "polar", ChartMedium.Page }, { "polar", ChartMedium.Image },
        { "image-grid", ChartMedium.Page }, { "image-grid", ChartMedium.Image },
    };

    private static string Draw(string kind, double[] values, ChartMedium medium, string text = "label") => kind switch
    {
        "heatmap" => SvgCharts.Heatmap([values, values], text, text, text, medium: medium),
        "bars" => SvgCharts.Bars([.. values.Select((_, i) => $"{text} {i}")], values, text, text, new ReferenceLine(0.5, text), medium),
        "line" => SvgCharts.LineChart(values, text, text, text, medium: medium),
        "histogram" => SvgCharts.Histogram([.. Enumerable.Range(0, values.Length + 1).Select(i => (double)i)], values, text, text, medium),
        "polar" => SvgCharts.PolarTuningCurve([.. values.Select((_, i) => i * 360.0 / values.Length)], values, text, text,
            [.. values.Select((_, i) => i * 360.0 / values.Length)], [.. values.Reverse()], text, medium),
        "image-grid" => SvgCharts.ImageGrid([new ImageTile(text, [values, values]), new ImageTile(text, [])], text, text, medium: medium),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_is_well_formed_accessible_svg_of_its_class(string kind, ChartMedium medium)
    {
        var root = ChartXml.Parse(Draw(kind, [0.25, -0.5, 1, 3], medium));

        Assert.Equal($"chart {kind}", (string?)root.Attribute("class"));
        Assert.Equal("label", root.Element(ChartXml.Svg + "title")!.Value);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Hostile_text_stays_text(string kind, ChartMedium medium)
    {
        var svg = Draw(kind, [0.25, 0.5, 1, 3], medium, Hostile);
        var root = ChartXml.Parse(svg);

        Assert.DoesNotContain(root.Descendants(), e => e.Name.LocalName == "script");
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        // The label arrives whole but for the two characters XML cannot hold.
        Assert.StartsWith("<script>alert(\"x\")</script> & 'quoted' ", root.Element(ChartXml.Svg + "title")!.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(root.DescendantNodes().OfType<XText>(), t => t.Value.Contains('\u0001', StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Nan_and_infinities_are_gaps_not_coordinates(string kind, ChartMedium medium)
    {
        ChartXml.Parse(Draw(kind, [1, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 2], medium));
        ChartXml.Parse(Draw(kind, [double.NaN, double.NaN], medium));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Empty_input_draws_an_empty_chart(string kind, ChartMedium medium) =>
        ChartXml.Parse(Draw(kind, [], medium));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Values_at_the_ends_of_double_keep_finite_coordinates(string kind, ChartMedium medium) =>
        ChartXml.Parse(Draw(kind, [double.MaxValue, -double.MaxValue, double.Epsilon, 0], medium));

    [Fact]
    public void Heatmap_cells_carry_their_value_and_missing_ones_are_grey()
    {
        var root = ChartXml.Parse(SvgCharts.Heatmap([[0.01, double.NaN], [0.7134, 1]], "scores", "layer", "head"));

        var cells = root.WithClass("cells").Single().Elements(ChartXml.Svg + "rect").ToList();
        Assert.Equal(4, cells.Count);
        Assert.Equal("layer 1, head 0: 0.7134", cells[2].Element(ChartXml.Svg + "title")!.Value);
        Assert.Equal("0.7134", (string?)cells[2].Attribute("data-value"));
        Assert.Equal(ColourScale.Missing, (string?)cells[1].Attribute("fill"));
        Assert.Equal("layer 0, head 1: NaN", cells[1].Element(ChartXml.Svg + "title")!.Value);
    }

    [Fact]
    public void Ragged_heatmap_rows_draw_the_cells_they_have()
    {
        var root = ChartXml.Parse(SvgCharts.Heatmap([[1, 2, 3], [4]], "ragged", "row", "column"));

        Assert.Equal(4, root.WithClass("cells").Single().Elements(ChartXml.Svg + "rect").Count());
    }

    [Fact]
    public void A_fixed_colour_scale_is_used_and_described()
    {
        var root = ChartXml.Parse(SvgCharts.Heatmap([[0.5]], "scores", "layer", "head", ColourScale.Sequential(0, 1)));

        Assert.Equal(ColourScale.Sequential(0, 1).Colour(0.5), (string?)root.WithClass("cells").Single().Element(ChartXml.Svg + "rect")!.Attribute("fill"));
        Assert.Contains("colour scale from 0 to 1", (string?)root.Attribute("aria-label"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_breaks_at_a_missing_value()
    {
        var root = ChartXml.Parse(SvgCharts.LineChart([1, 2, double.NaN, 3, 4], "loss", "position", "nats"));

        var d = (string)root.WithClass("series").Single().Attribute("d")!;
        Assert.Equal(2, d.Count(c => c == 'M'));
        Assert.Equal(4, root.WithClass("point").Count());
        Assert.Contains(root.Descendants(ChartXml.Svg + "title"), t => t.Value == "position 3: 3");
    }

    [Fact]
    public void A_line_names_its_positions_with_the_labels_given()
    {
        var root = ChartXml.Parse(SvgCharts.LineChart([3, 5], "represented", "sparsity S", "count", ["0", "0.99"]));

        var ticks = root.WithClass("tick").Select(t => t.Value).ToList();
        Assert.Contains("0.99", ticks);
        Assert.Contains(root.Descendants(ChartXml.Svg + "title"), t => t.Value == "sparsity S 0.99: 5");
    }

    [Fact]
    public void Bars_leave_out_a_missing_value_but_still_name_it()
    {
        var root = ChartXml.Parse(SvgCharts.Bars(["a", "b", "c"], [0.5, double.NaN, -0.25], "norms"));

        Assert.Equal(2, root.WithClass("bar").Count());
        Assert.Single(root.WithClass("bar-neg"));
        Assert.Equal(["0.5", "NaN", "-0.25"], root.WithClass("bar-value").Select(t => t.Value));
    }

    [Fact]
    public void A_reference_line_is_drawn_even_beyond_the_values()
    {
        var root = ChartXml.Parse(SvgCharts.Bars(["a"], [0.1], "norms", reference: new ReferenceLine(2, "threshold")));

        var line = root.WithClass("reference").Single();
        var axis = root.WithClass("axis").Single();
        Assert.True((double)line.Attribute("x1")! > (double)axis.Attribute("x1")!);
        Assert.Contains(root.WithClass("tick"), t => t.Value == "threshold");
    }

    [Fact]
    public void A_histogram_leaves_out_empty_outer_bins_but_one()
    {
        double[] edges = [0, 1, 2, 3, 4, 5, 6];
        var root = ChartXml.Parse(SvgCharts.Histogram(edges, [0, 0, 5, 12, 0, 0], "activations", "log10 activation"));

        Assert.Equal(2, root.WithClass("bar").Count());
        var edgeLabels = root.WithClass("tick").Where(t => (string?)t.Attribute("text-anchor") == "middle").Select(t => t.Value);
        Assert.Equal(["1", "2", "3", "4", "5"], edgeLabels);
        Assert.Contains(root.Descendants(ChartXml.Svg + "title"), t => t.Value == "log10 activation in [3, 4): 12");
    }

    [Fact]
    public void A_polar_tuning_curve_closes_its_loop_and_puts_0_degrees_to_the_right()
    {
        var root = ChartXml.Parse(SvgCharts.PolarTuningCurve([0, 90, 180, 270], [2, 0, 0, 0], "tuning", "arcs", [0, 90, 180, 270], [1, 1, 1, 1], "lines"));

        var points = root.WithClass("point").ToList();
        Assert.Equal(4, points.Count);
        // The peak at 0° lies right of the centre (the 90° point, at the centre, marks it), on the same row.
        Assert.True((double)points[0].Attribute("cx")! > (double)points[1].Attribute("cx")!);
        Assert.Equal((double)points[0].Attribute("cy")!, (double)points[1].Attribute("cy")!, 6);
        var d = (string)root.WithClass("series").First(e => e.Name.LocalName == "path").Attribute("d")!;
        Assert.Equal(5, d.Count(c => c is 'M' or 'L'));
        Assert.Single(root.WithClass("series-control"), e => e.Name.LocalName == "path");
        Assert.Contains("peak 2 at 0°", (string?)root.Attribute("aria-label"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_grid_draws_only_the_pixels_that_differ_from_its_background()
    {
        var root = ChartXml.Parse(SvgCharts.ImageGrid([new ImageTile("arc", [[0, 1], [0.5, 0]])], "stimuli", "intensity", ColourScale.Sequential(0, 1)));

        var pixels = root.WithClass("pixel").ToList();
        Assert.Equal(2, pixels.Count);
        Assert.Equal(["1", "0.5"], pixels.Select(p => (string)p.Attribute("data-value")!));
        Assert.Contains(root.WithClass("tick"), t => t.Value == "arc");
    }

    [Fact]
    public void Page_charts_annotate_marks_and_image_charts_style_themselves()
    {
        var page = ChartXml.Parse(SvgCharts.Bars(["a"], [1], "norms"));
        var image = ChartXml.Parse(SvgCharts.Bars(["a"], [1], "norms", medium: ChartMedium.Image));

        Assert.Empty(page.Descendants(ChartXml.Svg + "style"));
        Assert.NotNull(page.WithClass("bar").Single().Element(ChartXml.Svg + "title"));
        Assert.Contains(".bar {", image.Descendants(ChartXml.Svg + "style").Single().Value, StringComparison.Ordinal);
        Assert.Null(image.WithClass("bar").Single().Element(ChartXml.Svg + "title"));
        Assert.Equal("norms", image.WithClass("chart-title").Single().Value);
    }

    [Fact]
    public void Numbers_are_written_the_same_in_every_culture()
    {
        var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
        commaDecimal.NumberFormat.NumberGroupSeparator = ".";
        var before = CultureInfo.CurrentCulture;
        string svg;
        try
        {
            CultureInfo.CurrentCulture = commaDecimal;
            svg = SvgCharts.LineChart([0.25, 1234.5], "loss", "position", "nats");
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }

        var root = ChartXml.Parse(svg);
        Assert.Contains(root.Descendants(ChartXml.Svg + "title"), t => t.Value == "position 0: 0.25");
        Assert.DoesNotContain(root.Descendants().Attributes(), a => a.Value.Contains(',', StringComparison.Ordinal) && a.Name.LocalName is "x" or "y" or "cx" or "cy");
    }

    [Fact]
    public void A_markdown_image_carries_the_svg_whole_and_its_alt_text_literally()
    {
        var svg = SvgCharts.Bars(["a"], [1], "norms", medium: ChartMedium.Image);

        var markdown = SvgCharts.MarkdownImage("norms ] [x](javascript:alert(1)) $x$\nnext", svg);

        Assert.StartsWith(@"![norms \] \[x\](javascript:alert(1)) \$x\$ next](data:image/svg+xml;base64,", markdown, StringComparison.Ordinal);
        var base64 = markdown[(markdown.IndexOf("base64,", StringComparison.Ordinal) + 7)..^1];
        Assert.Equal(svg, Encoding.UTF8.GetString(Convert.FromBase64String(base64)));
    }
}
