namespace Archive.Formats.Neuronpedia;

/// <summary>
/// The activation histogram between the archive's form and Neuronpedia's. The archive counts log10(activation) in bins
/// given by their edges; Neuronpedia (<c>freq_hist_data_bar_values</c>/<c>_heights</c>, from SAEDashboard) keeps one bar per
/// bin at the bin's activation value and plots the bars over activation. So a bar's value is the activation at the centre
/// of its log10 bin, 10^((lo + hi) / 2), and back, each edge is the midpoint of the neighbouring bars' log10 values. For the
/// archive's equal-width log bins that inverse is exact up to rounding (about 1e-15); for Neuronpedia's own linear bins it
/// gives log bins around each bar, which is as close as a log histogram can draw them.
/// </summary>
public static class NeuronpediaHistogram
{
    /// <summary>One bar value per bin: the activation at the bin's centre in log10.</summary>
    public static double[] BarValues(IReadOnlyList<double> log10Edges)
    {
        if (log10Edges.Count < 2) return [];
        var values = new double[log10Edges.Count - 1];
        for (var i = 0; i < values.Length; i++) values[i] = Math.Pow(10, (log10Edges[i] + log10Edges[i + 1]) / 2);
        return values;
    }

    /// <summary>
    /// log10 bin edges (one more than the bars) around bars at <paramref name="barValues"/>, or null when they cannot be
    /// drawn on a log axis: fewer than two bars (a lone bar has no width), a value that is not positive, or values that
    /// do not increase.
    /// </summary>
    public static double[]? Log10Edges(IReadOnlyList<double> barValues)
    {
        var n = barValues.Count;
        if (n < 2) return null;
        var centres = new double[n];
        for (var i = 0; i < n; i++)
        {
            if (!(barValues[i] > 0) || double.IsInfinity(barValues[i])) return null;
            centres[i] = Math.Log10(barValues[i]);
            if (i > 0 && !(centres[i] > centres[i - 1])) return null;
        }
        var edges = new double[n + 1];
        edges[0] = centres[0] - (centres[1] - centres[0]) / 2;
        for (var i = 1; i < n; i++) edges[i] = (centres[i - 1] + centres[i]) / 2;
        edges[n] = centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2;
        return edges;
    }
}
