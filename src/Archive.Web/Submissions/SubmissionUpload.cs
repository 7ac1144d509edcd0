using System.IO.Compression;
using System.Text;
using Archive.Data.Blobs;
using Archive.Web.Files;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Archive.Web.Submissions;

/// <summary>
/// A submission as it arrives: a multipart body holding the manifest (the part named <c>manifest</c>, the bundle's
/// <c>specimen.json</c>) and the files it names, each part named by its path in the bundle (<c>writeup.md</c>,
/// <c>model.safetensors</c>, <c>images/{sha256}</c>). Files stream into the blob store's staging as they arrive (never
/// whole in memory), within the upload limit for the whole request; staged files nobody commits are removed on dispose.
/// </summary>
public sealed class SubmissionUpload : IAsyncDisposable
{
    /// <summary>A manifest is a page of JSON; anything near this is not one.</summary>
    public const int MaxManifestBytes = 1 << 20;

    private readonly Dictionary<string, StagedBlob> files = new(StringComparer.Ordinal);
    private readonly IBlobStore store;
    private readonly long maxBytes;
    private long received;

    private SubmissionUpload(IBlobStore store, long maxBytes)
    {
        this.store = store;
        this.maxBytes = maxBytes;
    }

    public string Manifest { get; private set; } = "";

    public IReadOnlyDictionary<string, StagedBlob> Files => files;

    public static async Task<SubmissionUpload> ReadAsync(HttpRequest request, IBlobStore store, long maxBytes, CancellationToken ct,
        string manifestName = "specimen.json")
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new SubmissionRefusedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                [$"Send multipart/form-data: a part named 'manifest' ({manifestName}) and one part per file, named by its path."]);
        }
        if (!RequestBodyLimit.TryRaise(request, maxBytes)) throw TooLarge(maxBytes);

        var upload = new SubmissionUpload(store, maxBytes);
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
            string? manifest = null;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    throw SubmissionRefusedException.Invalid("Every part needs a Content-Disposition: form-data header with a name.");
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name == "manifest")
                {
                    manifest = await ReadManifestAsync(section.Body, ct);
                    continue;
                }
                await upload.AddFileAsync(BundlePath(name, HeaderUtilities.RemoveQuotes(disposition.FileName).Value), section.Body, ct);
            }
            upload.Manifest = manifest ?? throw SubmissionRefusedException.Invalid($"No part named 'manifest' (the {manifestName}).");
            return upload;
        }
        catch (Exception e) when (e is InvalidDataException or IOException && e is not BlobTooLargeException)
        {
            await upload.DisposeAsync();
            throw SubmissionRefusedException.Invalid($"The multipart body is malformed: {e.Message}");
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A submission the site's guided form assembles on the server from its fields: the manifest it built, and the files
    /// added with <see cref="AddAsync"/>, within the same byte budget as an uploaded bundle.
    /// </summary>
    public static SubmissionUpload Assemble(IBlobStore store, long maxBytes, string manifest) => new(store, maxBytes) { Manifest = manifest };

    /// <summary>Stages one file of an assembled submission under its bundle path.</summary>
    public Task AddAsync(string path, Stream content, CancellationToken ct) => AddFileAsync(BundlePath(path, null), content, ct);

    /// <summary>Most entries a bundle zip may hold: a bundle is a manifest, a writeup, a model and a few claim inputs.</summary>
    public const int MaxZipEntries = 1000;

    /// <summary>
    /// A bundle as one zip (the site's upload form, or <c>Content-Type: application/zip</c> on the API): the folder
    /// <c>archive-specimens build</c> writes, zipped, with <c>specimen.json</c> (<paramref name="manifestName"/>; a SAELens
    /// folder's is <c>dictionary.json</c>) at its root or inside one top folder.
    /// A zip must be seekable to read: a request body is staged first, a form's file (already buffered to disk) is read
    /// where it is. Each entry is staged within the same byte budget, counted as it inflates, so a zip bomb stops at the
    /// limit.
    /// </summary>
    public static async Task<SubmissionUpload> ReadZipAsync(Stream body, IBlobStore store, long maxBytes, CancellationToken ct,
        string manifestName = "specimen.json")
    {
        StagedBlob? zipFile = null;
        if (!body.CanSeek)
        {
            try
            {
                zipFile = await store.StageAsync(body, new BlobStageOptions { MaxBytes = maxBytes }, ct);
            }
            catch (BlobTooLargeException)
            {
                throw TooLarge(maxBytes);
            }
        }
        await using var _ = zipFile;
        var upload = new SubmissionUpload(store, maxBytes);
        try
        {
            await using var file = zipFile is null ? null : File.OpenRead(zipFile.Path);
            await upload.AddZipAsync(file ?? body, manifestName, anchorIsManifest: true, ct);
            return upload;
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Replaces the staged file at <paramref name="path"/>, a zipped folder, with the folder's files: the folder is the
    /// one holding <paramref name="anchorName"/>, as <see cref="ReadZipAsync"/> finds it by its manifest. For a form that
    /// builds the manifest from its fields and takes the files as one zip beside them (the site's dictionary form: a
    /// SAELens folder, found by its <c>cfg.json</c>). The zip's bytes leave the budget; its inflated entries enter it.
    /// </summary>
    public async Task ExpandZipAsync(string path, string anchorName, CancellationToken ct)
    {
        if (!files.Remove(path, out var zipFile)) return;
        received -= zipFile.Length;
        await using (zipFile)
        await using (var file = File.OpenRead(zipFile.Path))
            await AddZipAsync(file, anchorName, anchorIsManifest: false, ct);
    }

    /// <summary>Stages a zip's entries under the folder holding <paramref name="anchorName"/> (the shallowest), each counted as it inflates.</summary>
    private async Task AddZipAsync(Stream seekable, string anchorName, bool anchorIsManifest, CancellationToken ct)
    {
        try
        {
            using var zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
            var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
            if (entries.Count > MaxZipEntries) throw SubmissionRefusedException.Invalid($"The zip holds {entries.Count} files; a bundle has at most {MaxZipEntries}.");
            var anchor = entries.Where(e => e.Name == anchorName).MinBy(e => e.FullName.Count(c => c == '/'))
                ?? throw SubmissionRefusedException.Invalid($"The zip holds no {anchorName}.");
            var root = anchor.FullName[..^anchorName.Length];
            foreach (var entry in entries)
            {
                if (!entry.FullName.StartsWith(root, StringComparison.Ordinal)) continue;
                await using var content = await entry.OpenAsync(ct);
                if (anchorIsManifest && entry == anchor)
                {
                    Manifest = await ReadManifestAsync(content, ct);
                    continue;
                }
                await AddFileAsync(BundlePath(entry.FullName[root.Length..], null), content, ct);
            }
        }
        catch (InvalidDataException e)
        {
            throw SubmissionRefusedException.Invalid($"The zip is unreadable: {e.Message}");
        }
    }

    /// <summary>
    /// Stages one file of the bundle within what is left of the byte budget. A path sent twice is refused (a zip may
    /// name an entry twice; a multipart body may repeat a part) rather than one copy silently replacing the other.
    /// </summary>
    private async Task AddFileAsync(string path, Stream content, CancellationToken ct)
    {
        if (files.ContainsKey(path)) throw SubmissionRefusedException.Invalid($"The file '{path}' is sent twice.");
        try
        {
            var staged = await store.StageAsync(content, new BlobStageOptions { MaxBytes = maxBytes - received }, ct);
            files[path] = staged;
            received += staged.Length;
        }
        catch (BlobTooLargeException)
        {
            throw TooLarge(maxBytes);
        }
    }

    /// <summary>Removes the staged files nobody committed (a committed one was moved into the store; disposing it does nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var staged in files.Values) await staged.DisposeAsync();
        files.Clear();
    }

    internal static SubmissionRefusedException TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Submission too large", [$"The files together exceed the upload limit of {maxBytes:N0} bytes."]);

    private static async Task<string> ReadManifestAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxManifestBytes) throw SubmissionRefusedException.Invalid($"The manifest is over {MaxManifestBytes:N0} bytes.");
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw SubmissionRefusedException.Invalid("The manifest is not UTF-8.");
        }
    }

    /// <summary>
    /// A part's path in the bundle: its field name (Python's <c>requests</c> sends <c>files={"sae/cfg.json": f}</c> as the
    /// name), or its file name when the field is the generic <c>file</c>/<c>files</c>. Relative, forward slashes, no
    /// <c>..</c>: it is only ever a key, but one that reads as a path must not read as a path outside the bundle.
    /// </summary>
    internal static string BundlePath(string name, string? fileName)
    {
        var path = (name is "file" or "files" ? fileName : name)?.Replace('\\', '/') ?? "";
        var segments = path.Split('/');
        if (path.Length is 0 or > 300 || path[0] == '/' || segments.Any(s => s is "" or "." or ".." || s.Any(char.IsControl)))
            throw SubmissionRefusedException.Invalid($"'{path}' is not a relative path inside a bundle (name each part by its path, e.g. 'writeup.md' or 'images/<sha256>').");
        return path;
    }
}
