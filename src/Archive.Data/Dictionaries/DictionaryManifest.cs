using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archive.Data.Dictionaries;

/// <summary>
/// What an uploaded SAELens folder needs beside its files (<c>dictionary.json</c> in a zip, the <c>manifest</c> part of a
/// multipart upload, or the CLI's options): where the dictionary lives and which model and token set its dashboards
/// are computed on. JSON names are snake_case.
/// </summary>
public sealed record DictionaryManifest
{
    public const string FileName = "dictionary.json";

    public required string Slug { get; init; }
    public required string Title { get; init; }
    public string Description { get; init; } = "";
    /// <summary>The archive model (slug) whose activations the SAE reads.</summary>
    public required string Model { get; init; }
    public required DictionaryTokenSet TokenSet { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>
/// The token ids the dashboards are computed over: <paramref name="Windows"/> windows of <paramref name="Length"/> ids as
/// little-endian int32, row after row (<c>numpy.asarray(ids, "&lt;i4").tobytes()</c>), named by their sha256. Either the
/// archive holds them already (a token set its claims use) or the upload carries them as <c>tokens/{sha256}</c>.
/// </summary>
public sealed record DictionaryTokenSet(string Sha256, int Windows, int Length, string Description = "");
