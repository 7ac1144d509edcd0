namespace Archive.Formats.Claims;

/// <summary>
/// A set of images a claim's method reads, named by the sha256 of its file (a blob of the archive): <c>count</c> images
/// of <c>height</c> × <c>width</c> one-channel pixels as unsigned bytes, image after image, row after row, nothing else;
/// pixel intensity is the byte / 255. Anyone can read it back with
/// <c>numpy.frombuffer(data, "u1").reshape(count, height, width) / 255</c>. <c>labels_sha256</c>, when present, names a
/// second file of <c>count</c> unsigned bytes: the class of each image (for digits, the digit).
/// </summary>
public sealed record ImageSetReference(string Sha256, int Count, int Height, int Width, string? LabelsSha256)
{
    public const int MaxSide = 1024;
    public const int MaxCount = 100_000;

    /// <summary>Reads an image-set object: sha256, count, height, width (all required) and labels_sha256.</summary>
    public static ImageSetReference Read(ParameterReader r, bool labelsRequired)
    {
        var set = new ImageSetReference(r.RequiredString("sha256", 64), r.Int("count", 1, 1, MaxCount),
            r.Int("height", 1, 1, MaxSide), r.Int("width", 1, 1, MaxSide), r.OptionalString("labels_sha256", 64));
        foreach (var name in new[] { "count", "height", "width" })
            if (r.Raw(name) is null) r.Error(name, "is required");
        if (set.Sha256.Length > 0 && !IsSha256(set.Sha256)) r.Error("sha256", "must be 64 lower-case hex digits");
        if (set.LabelsSha256 is { } labels && !IsSha256(labels)) r.Error("labels_sha256", "must be 64 lower-case hex digits");
        if (labelsRequired && set.LabelsSha256 is null) r.Error("labels_sha256", "is required (the class of each image)");
        r.RejectUnknown();
        return set;
    }

    /// <summary>The blobs this set names: its pixels, then its labels when it has them.</summary>
    public IEnumerable<string> Blobs => LabelsSha256 is null ? [Sha256] : [Sha256, LabelsSha256];

    /// <summary>How a record describes the file, for a reader who will recompute from it.</summary>
    public string Layout =>
        $"blob {Sha256}: {Count} images of {Height} × {Width} uint8 pixels (intensity = byte / 255), image after image, row after row" +
        (LabelsSha256 is null ? "" : $"; blob {LabelsSha256}: {Count} uint8 labels");

    private static bool IsSha256(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigitLower);
}
