namespace Archive.Formats.Charts;

/// <summary>
/// The styles a <see cref="ChartMedium.Image"/> chart carries inside itself. They are the <c>svg.chart</c> rules of
/// wwwroot/css/site.css with its colour variables written out, so a writeup's figure looks like the same chart on a
/// page; a change to one belongs in the other.
/// </summary>
internal static class ChartStylesheet
{
    public const string Standalone =
        """
        svg { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
        .chart-title { fill: #1f2328; font-size: 13px; font-weight: 600; }
        .tick { fill: #59636e; font-size: 10px; font-variant-numeric: tabular-nums; }
        .axis-name { fill: #59636e; font-size: 10.5px; font-style: italic; }
        .axis { stroke: #8c959f; stroke-width: 1; }
        .grid { stroke: #e5e9ee; stroke-width: 1; }
        .reference { stroke: #1f2328; stroke-width: 1; stroke-dasharray: 4 3; }
        .cells rect { stroke: #fff; stroke-width: 0.5; }
        .cell-value { font-size: 9.5px; fill: #1f2328; font-variant-numeric: tabular-nums; }
        .cell-value.dark { fill: #fff; }
        .legend-frame { stroke: #d1d9e0; }
        .bar { fill: #2563eb; }
        .bar-neg { fill: #dc2626; }
        .bar-value { font-size: 10px; fill: #1f2328; font-variant-numeric: tabular-nums; }
        .series { fill: none; stroke: #2563eb; stroke-width: 1.6; }
        .point { fill: #2563eb; }
        .series-control { fill: none; stroke: #dc2626; stroke-width: 1.4; stroke-dasharray: 5 3; }
        .point-control { fill: #dc2626; }
        .cells rect.pixel { stroke: none; }
        """;
}
