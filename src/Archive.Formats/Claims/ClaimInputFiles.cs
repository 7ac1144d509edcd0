namespace Archive.Formats.Claims;

/// <summary>A file a claim's parameters name by sha256: a token set's ids, stimulus or evaluation images, their labels.</summary>
public sealed record ClaimInputFile(string Sha256, string MediaType, string BundleFolder);

/// <summary>
/// The files claims name, and how they travel: as blobs in the archive (the evidence worker reads them from the store)
/// and, in a bundle or a submission, as <c>{folder}/{sha256}</c> beside the manifest.
/// </summary>
public static class ClaimInputFiles
{
    /// <summary>Token ids, little-endian int32 (evidence-methods.md).</summary>
    public const string TokenIdsMediaType = "application/x.int32-le";
    public const string ImagesMediaType = "application/x.uint8-images";
    public const string LabelsMediaType = "application/x.uint8-labels";

    public const string TokensFolder = "tokens";
    public const string ImagesFolder = "images";

    public static IEnumerable<ClaimInputFile> Named(ClaimParameters parameters) => parameters switch
    {
        SaeFeatureParameters { TokenSet.Sha256: { } tokens } => [new(tokens, TokenIdsMediaType, TokensFolder)],
        TuningCurveParameters t => [new(t.Curves.Sha256, ImagesMediaType, ImagesFolder), new(t.Lines.Sha256, ImagesMediaType, ImagesFolder)],
        CnnAblationParameters a => a.Images.LabelsSha256 is { } labels
            ? [new(a.Images.Sha256, ImagesMediaType, ImagesFolder), new(labels, LabelsMediaType, ImagesFolder)]
            : [new(a.Images.Sha256, ImagesMediaType, ImagesFolder)],
        _ => [],
    };
}
