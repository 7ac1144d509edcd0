using System.Text.RegularExpressions;
using Archive.Formats.Charts;
using Archive.Web.Markdown;

namespace Archive.Web.Tests.Markdown;

/// <summary>The specimen builder's figures, as a writeup holds them, through the site's Markdown pipeline.</summary>
public sealed class ChartImageTests
{
    [Fact]
    public void A_chart_figure_in_a_writeup_renders_as_an_image_with_its_alt_text()
    {
        var svg = SvgCharts.Heatmap([[0.1, 0.9]], "Induction score", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image);
        var markdown = "Before.\n\n" + SvgCharts.MarkdownImage("Induction score [per head]", svg) + "\n\nAfter.";

        var html = new MarkdownRenderer().Render(markdown).Html;

        var img = Regex.Match(html, "<img src=\"data:image/svg\\+xml;base64,([A-Za-z0-9+/=]+)\"[^>]*>");
        Assert.True(img.Success, html);
        Assert.Contains("alt=\"Induction score [per head]\"", img.Value);
        Assert.Equal(svg, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(img.Groups[1].Value)));
        Assert.Contains("<p>After.</p>", html);
    }
}
