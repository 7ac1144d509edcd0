namespace Archive.Formats.Charts;

/// <summary>One small image of a grid: its caption and its values [row][column].</summary>
public sealed record ImageTile(string Label, double[][] Pixels);

public static partial class SvgCharts
{
    /// <summary>
    /// Small images side by side, <paramref name="columns"/> to a row, each pixel a square coloured on one shared
    /// <paramref name="scale"/> (fitted to all the tiles when null): stimuli and feature visualisations on a sequential
    /// scale from 0, convolution weights on a diverging one. Pixels whose colour is the tile's background (the colour of
    /// 0) are not drawn, which keeps sparse images (stimuli) small.
    /// </summary>
    public static string ImageGrid(IReadOnlyList<ImageTile> tiles, string title, string valueName, ColourScale? scale = null, int columns = 8,
        double pixelSize = 4, ChartMedium medium = ChartMedium.Page)
    {
        scale ??= ColourScale.Fit(tiles.SelectMany(t => t.Pixels.SelectMany(r => r)));
        var tileHeight = tiles.Count == 0 ? 0 : tiles.Max(t => t.Pixels.Length) * pixelSize;
        var tileWidth = tiles.Count == 0 ? 0 : tiles.Max(t => Width(t)) * pixelSize;
        // Wide enough for the widest caption (about 6 px a character at the tick size) as well as the widest tile.
        var cellWidth = Math.Max(tileWidth, tiles.Select(t => t.Label.Length * 6.0).DefaultIfEmpty(48).Max()) + 10;
        var cellHeight = tileHeight + 22;
        columns = Math.Max(1, Math.Min(columns, Math.Max(1, tiles.Count)));
        var rows = (tiles.Count + columns - 1) / columns;
        const double left = 8, top = 8, legendWidth = 12;
        var gridWidth = columns * cellWidth;
        var background = scale.Colour(Math.Clamp(0, scale.Min, scale.Max));
        var frame = new ChartFrame("image-grid", left + gridWidth + 16 + legendWidth + 62, top + Math.Max(rows * cellHeight, 80) + 8, title,
            $"{tiles.Count} images of {valueName}, {scale.Describe()}.");

        return SvgCanvas.Draw(frame, medium, canvas =>
        {
            for (var t = 0; t < tiles.Count; t++)
            {
                var tile = tiles[t];
                var (x0, y0) = (left + t % columns * cellWidth, top + t / columns * cellHeight);
                canvas.Group("cells", () =>
                {
                    canvas.Rect(x0, y0, Width(tile) * pixelSize, tile.Pixels.Length * pixelSize, "legend-frame", fill: background);
                    for (var r = 0; r < tile.Pixels.Length; r++)
                    {
                        for (var c = 0; c < tile.Pixels[r].Length; c++)
                        {
                            var v = tile.Pixels[r][c];
                            var colour = scale.Colour(v);
                            if (colour == background) continue;
                            canvas.Rect(x0 + c * pixelSize, y0 + r * pixelSize, pixelSize, pixelSize, "pixel", fill: colour, value: v);
                        }
                    }
                });
                canvas.Text(x0, y0 + tile.Pixels.Length * pixelSize + 13, tile.Label, "tick");
            }
            ColourLegend(canvas, scale, left + gridWidth + 16, top, legendWidth, Math.Max(rows * cellHeight - 22, 60));
        });

        static int Width(ImageTile tile) => tile.Pixels.Select(r => r.Length).DefaultIfEmpty(0).Max();
    }
}
