using System.Xml.Linq;
using Xunit;

namespace Archive.Engine.Tests.Charts;

/// <summary>Reads a chart back as XML and checks what every chart must be, whatever its kind or input.</summary>
internal static class ChartXml
{
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Attributes that hold numbers a browser lays out; none may be NaN or infinite.</summary>
    private static readonly string[] Geometry = ["x", "y", "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r", "d", "viewBox", "transform"];

    /// <summary>The parsed chart, after asserting it is well-formed, accessible and free of non-finite geometry.</summary>
    public static XElement Parse(string svg)
    {
        var root = XDocument.Parse(svg).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("img", (string?)root.Attribute("role"));
        Assert.False(string.IsNullOrWhiteSpace((string?)root.Attribute("aria-label")));
        Assert.Equal(Svg + "title", root.Elements().First().Name);
        Assert.Equal(Svg + "desc", root.Elements().Skip(1).First().Name);
        foreach (var attribute in root.DescendantsAndSelf().Attributes().Where(a => Geometry.Contains(a.Name.LocalName)))
        {
            Assert.DoesNotContain("NaN", attribute.Value, StringComparison.Ordinal);
            Assert.DoesNotContain("Infinity", attribute.Value, StringComparison.Ordinal);
            Assert.DoesNotContain("∞", attribute.Value, StringComparison.Ordinal);
        }
        return root;
    }

    public static IEnumerable<XElement> WithClass(this XElement root, string cssClass) =>
        root.Descendants().Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true);
}
