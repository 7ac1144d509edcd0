namespace Archive.Formats.Charts;

/// <summary>Where a chart is shown, which decides what styles it and whether its marks carry hover text.</summary>
public enum ChartMedium
{
    /// <summary>
    /// Inline in a site page: the site's stylesheet (<c>svg.chart</c> in wwwroot/css/site.css) styles it, the page's
    /// figure caption names it, and every mark has a <c>&lt;title&gt;</c> tooltip and a <c>data-value</c> with its exact value.
    /// </summary>
    Page,

    /// <summary>
    /// A standalone document for an <c>&lt;img&gt;</c> (a writeup's <c>data:image/svg+xml</c> figure): no page stylesheet
    /// reaches it and an image shows no tooltips, so it carries its own styles, a white background and its title as a
    /// heading, and leaves out the per-mark titles.
    /// </summary>
    Image,
}
