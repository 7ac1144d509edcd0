using Archive.Engine.Evidence;

namespace Archive.Engine.Vision;

/// <summary>How a curve stimulus is drawn, in pixels: the arc's radius, the stroke's thickness, and the arc's length
/// along the curve (a straight control is a segment of the same length and thickness).</summary>
public sealed record CurveStimulusGeometry(double Radius, double Thickness, double ArcLength)
{
    /// <summary>The angle the arc subtends, in degrees.</summary>
    public double ArcDegrees => ArcLength / Radius * 180 / Math.PI;

    public void Validate()
    {
        if (!(Radius > 0) || !(Thickness > 0) || !(ArcLength > 0)) throw new ArgumentException("Radius, thickness and arc length must be positive.");
        if (ArcLength > Math.PI * Radius) throw new ArgumentException("An arc longer than half its circle would not read as one curve.");
    }
}

/// <summary>
/// Synthetic stimuli for radial tuning curves (Cammarata et al. 2020): an arc whose midpoint lies on a given centre (a
/// unit's receptive-field centre), rotated through evenly spaced orientations, and straight segments of the same length
/// and thickness through the same centre.
/// <para>
/// Coordinates: pixel (row, column) has its centre at (row, column); orientation θ is in degrees, counter-clockwise from
/// the +column axis as the image is viewed (rows grow downwards). For an arc, θ is the direction from its midpoint to its
/// circle's centre, i.e. the side it opens towards (θ = 0°: a "(" shape); for a line, θ is its direction. Each pixel's
/// intensity is <c>clamp(thickness/2 + 1/2 − d, 0, 1)</c>, d the distance from the pixel centre to the curve (a one-pixel
/// linear edge), stored as a byte (<see cref="ImageSet.Quantise"/>).
/// </para>
/// </summary>
public static class CurveStimuli
{
    /// <summary>θ_k = k · 360° / count.</summary>
    public static double[] Orientations(int count) => [.. Enumerable.Range(0, count).Select(k => k * 360.0 / count)];

    public static ImageSet Curves(CurveStimulusGeometry geometry, int count, int height, int width, double centreRow, double centreColumn)
    {
        geometry.Validate();
        return Render(count, height, width, theta => (r, c) => ArcDistance(geometry, theta, centreRow, centreColumn, r, c), geometry.Thickness);
    }

    public static ImageSet Lines(CurveStimulusGeometry geometry, int count, int height, int width, double centreRow, double centreColumn)
    {
        geometry.Validate();
        return Render(count, height, width, theta => (r, c) => SegmentDistance(geometry.ArcLength, theta, centreRow, centreColumn, r, c), geometry.Thickness);
    }

    private static ImageSet Render(int count, int height, int width, Func<double, Func<double, double, double>> distanceAt, double thickness)
    {
        var pixels = new byte[count * height * width];
        var orientations = Orientations(count);
        for (var k = 0; k < count; k++)
        {
            var distance = distanceAt(orientations[k]);
            for (var r = 0; r < height; r++)
                for (var c = 0; c < width; c++)
                    pixels[(k * height + r) * width + c] = ImageSet.Quantise(thickness / 2 + 0.5 - distance(r, c));
        }
        return new ImageSet(count, height, width, pixels);
    }

    /// <summary>Distance from pixel (row, column) to the arc: radially when the pixel lies within the arc's angle as seen
    /// from its circle's centre, otherwise to the nearer end.</summary>
    internal static double ArcDistance(CurveStimulusGeometry g, double thetaDegrees, double centreRow, double centreColumn, double row, double column)
    {
        // Work with y pointing up so angles turn counter-clockwise as viewed.
        var theta = thetaDegrees * Math.PI / 180;
        double mx = centreColumn, my = -centreRow;
        double cx = mx + g.Radius * Math.Cos(theta), cy = my + g.Radius * Math.Sin(theta);
        double px = column - cx, py = -row - cy;
        var mid = theta + Math.PI; // from the circle's centre to the arc's midpoint
        var half = g.ArcLength / g.Radius / 2;
        var offset = Math.IEEERemainder(Math.Atan2(py, px) - mid, 2 * Math.PI);
        if (Math.Abs(offset) <= half) return Math.Abs(Math.Sqrt(px * px + py * py) - g.Radius);
        double End(double angle) => Math.Sqrt(Square(px - g.Radius * Math.Cos(angle)) + Square(py - g.Radius * Math.Sin(angle)));
        return Math.Min(End(mid - half), End(mid + half));
    }

    internal static double SegmentDistance(double length, double thetaDegrees, double centreRow, double centreColumn, double row, double column)
    {
        var theta = thetaDegrees * Math.PI / 180;
        double ux = Math.Cos(theta), uy = Math.Sin(theta);
        double px = column - centreColumn, py = -row + centreRow;
        var along = Math.Clamp(px * ux + py * uy, -length / 2, length / 2);
        return Math.Sqrt(Square(px - along * ux) + Square(py - along * uy));
    }

    private static double Square(double x) => x * x;
}
