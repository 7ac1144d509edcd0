using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Specimens.Import;

namespace Archive.Specimens.Build;

public static class BundleWriter
{
    /// <summary>Writes specimen.json and the writeup; the recipe writes the model file and dictionaries itself.</summary>
    public static void Write(string bundleFolder, BundleManifest manifest, string writeupMarkdown)
    {
        Directory.CreateDirectory(bundleFolder);
        File.WriteAllText(Path.Combine(bundleFolder, "specimen.json"), JsonSerializer.Serialize(manifest, BundleManifest.JsonOptions) + "\n");
        File.WriteAllText(Path.Combine(bundleFolder, manifest.Writeup), writeupMarkdown.ReplaceLineEndings("\n"));
    }

    /// <summary>A number as the writeups print it: enough digits to check against a recomputation, no more.</summary>
    public static string Format(double value, int digits = 3) =>
        value.ToString("G" + digits, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A claim threshold below a measured value: rounded down to a step, leaving a margin for other machines.</summary>
    public static double ThresholdBelow(double measured, double margin, double step = 0.05) =>
        Math.Round(Math.Floor((measured - margin) / step) * step, 6);

    /// <summary>A claim ceiling above a measured value, rounded up to a step.</summary>
    public static double ThresholdAbove(double measured, double margin, double step = 0.05) =>
        Math.Round(Math.Ceiling((measured + margin) / step) * step, 6);
}
