using System.Text;

namespace Archive.Formats.Charts;

/// <summary>
/// The archive's charts, drawn as SVG on the server with no script: heatmaps of 2-D arrays with a colour legend, bar
/// charts of labelled values, line charts of a series, and histograms over bin edges. Site pages put them inline
/// (<see cref="ChartMedium.Page"/>); the specimen builder embeds them in writeups as images
/// (<see cref="ChartMedium.Image"/>, <see cref="MarkdownImage"/>). NaN and infinite values are drawn as gaps (grey
/// cells, missing bars, breaks in a line), never as coordinates.
/// </summary>
public static partial class SvgCharts
{
    /// <summary>
    /// A writeup's Markdown for a chart drawn for <see cref="ChartMedium.Image"/>:
    /// <c>![alt](data:image/svg+xml;base64,…)</c>. The site's Markdown sanitiser keeps data:image URLs on images (an
    /// image cannot run script), and base64 keeps the SVG's characters out of Markdown's way.
    /// </summary>
    public static string MarkdownImage(string alt, string svg) =>
        $"![{EscapeMarkdown(alt)}](data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(svg))})";

    /// <summary>Characters that would end an image's alt text or start markup inside it (a link, emphasis, code, math,
    /// an entity).</summary>
    private const string MarkdownSpecials = @"\[]*_`$<&";

    /// <summary>Alt text kept literal: Markdown's specials backslash-escaped, control characters and line breaks made
    /// spaces.</summary>
    private static string EscapeMarkdown(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c)) escaped.Append(' ');
            else if (MarkdownSpecials.Contains(c, StringComparison.Ordinal)) escaped.Append('\\').Append(c);
            else escaped.Append(c);
        }
        return escaped.ToString();
    }
}
