using System.Globalization;

namespace Archive.Formats.Charts;

public static partial class SvgCharts
{
    /// <summary>
    /// Heatmap of <paramref name="values"/>[row][column] (rows may differ in length), rows and columns numbered from 0
    /// under the axis names <paramref name="rowName"/> and <paramref name="columnName"/>. Without a
    /// <paramref name="scale"/> the data choose one (<see cref="ColourScale.Fit"/>); pass a fixed one when figures of the
    /// same measure should compare. Cells large enough show their values.
    /// </summary>
    public static string Heatmap(double[][] values, string title, string rowName, string columnName, ColourScale? scale = null, ChartMedium medium = ChartMedium.Page)
    {
        var rows = values.Length;
        var columns = rows == 0 ? 0 : values.Max(r => r.Length);
        scale ??= ColourScale.Fit(values.SelectMany(r => r));
        var cell = Math.Clamp(420.0 / Math.Max(1, Math.Max(rows, columns)), 5, 34);
        var writeValues = cell >= 30 && rows * columns <= 400;
        const double left = 52, top = 34, legendWidth = 14, minimumLabelSpacing = 14;
        var gridWidth = columns * cell;
        var gridHeight = rows * cell;
        var rowStep = LinearAxis.IndexStep(rows, (int)(gridHeight / minimumLabelSpacing));
        var columnStep = LinearAxis.IndexStep(columns, (int)(gridWidth / minimumLabelSpacing));
        var frame = new ChartFrame("heatmap", left + gridWidth + 24 + legendWidth + 62, top + gridHeight + 30, title,
            $"heatmap of {rows} {rowName} × {columns} {columnName}, {scale.Describe()}.");

        return SvgCanvas.Draw(frame, medium, canvas =>
        {
            canvas.Text(left + gridWidth / 2, 12, columnName + " →", "axis-name", "middle");
            canvas.VerticalText(12, top + gridHeight / 2, rowName + " →", "axis-name");
            for (var c = 0; c < columns; c += columnStep) canvas.Text(left + c * cell + cell / 2, top - 5, Index(c), "tick", "middle");
            for (var r = 0; r < rows; r += rowStep) canvas.Text(left - 5, top + r * cell + cell / 2 + 4, Index(r), "tick", "end");

            canvas.Group("cells", () =>
            {
                for (var r = 0; r < rows; r++)
                {
                    for (var c = 0; c < values[r].Length; c++)
                    {
                        var v = values[r][c];
                        var (x, y) = (left + c * cell, top + r * cell);
                        canvas.Rect(x, y, cell, cell, fill: scale.Colour(v), tooltip: $"{rowName} {r}, {columnName} {c}: {ChartNumbers.Format(v)}", value: v);
                        if (writeValues) canvas.Text(x + cell / 2, y + cell / 2 + 4, ChartNumbers.Cell(v), scale.IsDark(v) ? "cell-value dark" : "cell-value", "middle");
                    }
                }
            });
            ColourLegend(canvas, scale, left + gridWidth + 24, top, legendWidth, Math.Max(gridHeight, 60));
        });
    }

    /// <summary>A vertical strip of the scale, maximum at the top, labelled at its ends (and at 0 when diverging).</summary>
    private static void ColourLegend(SvgCanvas canvas, ColourScale scale, double x, double y, double width, double height)
    {
        const int steps = 24;
        canvas.Group("legend", () =>
        {
            for (var i = 0; i < steps; i++)
            {
                var v = scale.Max - (scale.Max / steps - scale.Min / steps) * (i + 0.5);
                // Each band overlaps the next by half a pixel, so no hairline of background shows between them.
                canvas.Rect(x, y + i * height / steps, width, height / steps + 0.5, fill: scale.Colour(v));
            }
            canvas.Rect(x, y, width, height, "legend-frame", fill: "none");
            canvas.Text(x + width + 4, y + 9, ChartNumbers.Format(scale.Max), "tick");
            if (scale.IsDiverging) canvas.Text(x + width + 4, y + height / 2 + 4, "0", "tick");
            canvas.Text(x + width + 4, y + height, ChartNumbers.Format(scale.Min), "tick");
        }, decorative: true);
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
