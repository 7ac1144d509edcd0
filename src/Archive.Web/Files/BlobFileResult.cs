using System.Reflection;
using Archive.Data.Blobs;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Archive.Web.Files;

/// <summary>
/// A stored file as an HTTP download, streamed from the blob store (memory flat in the file's size): <c>ETag</c> = the
/// sha256, <c>If-None-Match</c> → 304, a single <c>Range</c> → 206 with <c>Content-Range</c> (suffix and open ranges
/// too; one past the end → 416), <c>If-Range</c>, <c>Content-Length</c>, a <c>Content-Disposition</c> filename, and
/// HEAD. Several ranges in one request are answered with the whole file, as RFC 9110 allows. When the store offers
/// presigned URLs, the answer is a redirect and the bytes flow from the store.
/// </summary>
/// <param name="immutable">The URL names these bytes for good (a hash, a stored graph's id): cache for a year.</param>
/// <param name="shared">Anyone may see the file: shared caches may keep it. A draft's file is cached by the browser only.</param>
public sealed class BlobFileResult(ContentHash hash, long length, string fileName, string mediaType = "application/octet-stream", bool immutable = false, bool shared = true)
    : IResult, IEndpointMetadataProvider
{
    private const int CopyBufferBytes = 1 << 20;

    public ContentHash Hash => hash;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var http = httpContext;
        var request = http.Request;
        var response = http.Response;
        var etag = new EntityTagHeaderValue($"\"{hash.Hex}\"");
        response.Headers.ETag = etag.ToString();
        response.Headers.AcceptRanges = "bytes";
        // A URL that names a model may come to name other bytes: revalidate by ETag. One that names content cannot.
        response.Headers.CacheControl = (shared ? "public" : "private") + (immutable ? ", max-age=31536000, immutable" : ", no-cache");
        response.Headers["X-Content-SHA256"] = hash.Hex;

        if (Matches(request.Headers.IfNoneMatch, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var store = http.RequestServices.GetRequiredService<IBlobStore>();
        if (await store.GetDownloadUrlAsync(hash, fileName, mediaType, http.RequestAborted) is { } url)
        {
            response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            response.Headers.Location = url.AbsoluteUri;
            return;
        }

        response.ContentType = mediaType;
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName, FileName = fileName }.ToString();
        ByteRange? range = null;
        switch (RequestedRange(request, etag))
        {
            case RangeRequest.Unsatisfiable:
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = new ContentRangeHeaderValue(length).ToString();
                return;
            case RangeRequest.Satisfiable { Range: var r }:
                range = r;
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = new ContentRangeHeaderValue(r.Offset, r.LastInclusive, length).ToString();
                break;
            default:
                response.StatusCode = StatusCodes.Status200OK;
                break;
        }
        response.ContentLength = range?.Length ?? length;
        if (HttpMethods.IsHead(request.Method)) return;

        await using var content = await store.OpenReadAsync(hash, range, http.RequestAborted);
        await CopyToResponseAsync(content, response, http.RequestAborted);
    }

    /// <summary>Reads straight into the response pipe's own buffers (no intermediate copy), flushing each chunk, so memory
    /// stays at one chunk whatever the file's size and the socket is kept busy.</summary>
    private static async Task CopyToResponseAsync(Stream content, HttpResponse response, CancellationToken ct)
    {
        var writer = response.BodyWriter;
        while (true)
        {
            var memory = writer.GetMemory(CopyBufferBytes);
            var read = await content.ReadAsync(memory, ct);
            if (read == 0) break;
            writer.Advance(read);
            var flushed = await writer.FlushAsync(ct);
            if (flushed.IsCompleted || flushed.IsCanceled) break;
        }
    }

    private abstract record RangeRequest
    {
        public sealed record None : RangeRequest;
        public sealed record Unsatisfiable : RangeRequest;
        public sealed record Satisfiable(ByteRange Range) : RangeRequest;
    }

    private RangeRequest RequestedRange(HttpRequest request, EntityTagHeaderValue etag)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return new RangeRequest.None();
        var header = request.Headers.Range.ToString();
        // A malformed Range header is ignored (RFC 9110 §14.2), and so is one whose If-Range names another version.
        if (header.Length == 0 || !RangeHeaderValue.TryParse(header, out var parsed) || parsed.Unit != "bytes" || parsed.Ranges.Count != 1)
            return new RangeRequest.None();
        var ifRange = request.Headers.IfRange.ToString();
        if (ifRange.Length > 0 && (!EntityTagHeaderValue.TryParse(ifRange, out var validator) || !validator.Compare(etag, useStrongComparison: true)))
            return new RangeRequest.None();

        var item = parsed.Ranges.Single();
        long start, end;
        if (item.From is { } from)
        {
            if (from >= length) return new RangeRequest.Unsatisfiable();
            start = from;
            end = item.To is { } to ? Math.Min(to, length - 1) : length - 1;
        }
        else
        {
            var suffix = item.To ?? 0;
            if (suffix <= 0 || length == 0) return new RangeRequest.Unsatisfiable();
            start = Math.Max(0, length - suffix);
            end = length - 1;
        }
        return new RangeRequest.Satisfiable(new ByteRange(start, end - start + 1));
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, EntityTagHeaderValue etag)
    {
        if (ifNoneMatch.Count == 0) return false;
        if (!EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)) return false;
        // If-None-Match uses the weak comparison: W/"x" matches "x".
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Stream), ["application/octet-stream"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status206PartialContent, typeof(Stream), ["application/octet-stream"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status416RangeNotSatisfiable, typeof(void)));
    }
}
