using Archive.Formats.Claims;
using static TorchSharp.torch;

namespace Archive.Engine.Evidence;

/// <summary>
/// One-channel images in memory as the archive stores them (<see cref="ImageSetReference"/>): <see cref="Count"/> images of
/// <see cref="Height"/> × <see cref="Width"/> bytes, image after image, row after row; intensity = byte / 255.
/// </summary>
public sealed record ImageSet(int Count, int Height, int Width, byte[] Pixels)
{
    public ImageSet Validate() =>
        Pixels.LongLength == (long)Count * Height * Width ? this
            : throw new InvalidDataException($"{Pixels.LongLength} bytes do not hold {Count} images of {Height} × {Width}.");

    /// <summary>Images [count, 1, height, width], float32 in [0, 1].</summary>
    public Tensor ToTensor(Device? device = null)
    {
        using var bytes = tensor(Pixels, [Count, 1, Height, Width], ScalarType.Byte);
        return bytes.to(ScalarType.Float32, device ?? CPU).div_(255.0);
    }

    /// <summary>Images [start, start + count) as a tensor [count, 1, height, width].</summary>
    public Tensor Slice(int start, int count, Device? device = null) =>
        new ImageSet(count, Height, Width, Pixels.AsSpan(start * Height * Width, count * Height * Width).ToArray()).ToTensor(device);

    /// <summary>The pixels of one image, row after row.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);

    /// <summary>Intensities in [0, 1] quantised to bytes: round(255·v), clamped.</summary>
    public static byte Quantise(double intensity) => (byte)Math.Clamp(Math.Round(intensity * 255, MidpointRounding.AwayFromZero), 0, 255);

    public static ImageSet Concat(IReadOnlyList<ImageSet> sets)
    {
        if (sets.Count == 0 || sets.Any(s => s.Height != sets[0].Height || s.Width != sets[0].Width)) throw new ArgumentException("Images of one size are concatenated.", nameof(sets));
        return new ImageSet(sets.Sum(s => s.Count), sets[0].Height, sets[0].Width, [.. sets.SelectMany(s => s.Pixels)]);
    }
}

/// <summary>
/// Image and label files: the bytes themselves, nothing else (the file's sha256 is the blob's name). Reading checks the
/// size against the claimed shape before allocating.
/// </summary>
public static class ImageSetFile
{
    public const string MediaType = ClaimInputFiles.ImagesMediaType;
    public const string LabelsMediaType = ClaimInputFiles.LabelsMediaType;

    public static ImageSet Read(string path, ImageSetReference set)
    {
        var expected = (long)set.Count * set.Height * set.Width;
        var actual = new FileInfo(path).Length;
        if (actual != expected)
            throw new InvalidDataException($"The image file has {actual} bytes; {set.Count} images of {set.Height} × {set.Width} bytes need {expected}.");
        return new ImageSet(set.Count, set.Height, set.Width, File.ReadAllBytes(path));
    }

    public static byte[] ReadLabels(string path, int count)
    {
        var actual = new FileInfo(path).Length;
        if (actual != count) throw new InvalidDataException($"The label file has {actual} bytes; {count} images need {count} labels of one byte.");
        return File.ReadAllBytes(path);
    }
}

/// <summary>Where the vision methods get a claim's images (and labels) from: blobs by sha256 in the worker.</summary>
public interface IImageSetSource
{
    ImageSet Get(ImageSetReference set);

    /// <summary>The labels file <see cref="ImageSetReference.LabelsSha256"/> names.</summary>
    byte[] GetLabels(ImageSetReference set);
}
