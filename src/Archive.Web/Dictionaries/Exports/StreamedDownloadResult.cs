using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Archive.Web.Dictionaries.Exports;

/// <summary>
/// A download generated while it is sent: the headers (<c>ETag</c>, <c>Content-Disposition</c>, revalidating
/// <c>Cache-Control</c>) go first, <c>If-None-Match</c> answers 304 before any row is read, and the body is written
/// straight to the response as it is made, so the server holds a page of it at a time, never the whole file. Its length
/// is unknown ahead, so it goes chunked; an error part-way aborts the connection, which clients see as a truncated download.
/// </summary>
public abstract class StreamedDownloadResult(string etag, string fileName, string contentType) : IResult
{
    public string ETag => etag;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = etag;
        // The URL names a dictionary, whose rows can be replaced: revalidate by ETag rather than cache for a time.
        response.Headers.CacheControl = "public, no-cache";
        if (Matches(httpContext.Request.Headers.IfNoneMatch, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName, FileName = fileName }.ToString();
        await WriteBodyAsync(httpContext, httpContext.RequestAborted);
    }

    protected abstract Task WriteBodyAsync(HttpContext httpContext, CancellationToken ct);

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 §13.1.2): <c>W/"x"</c> matches <c>"x"</c>, and <c>*</c> matches.</summary>
    private static bool Matches(StringValues ifNoneMatch, string etag) =>
        ifNoneMatch.Count > 0
        && EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
        && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(EntityTagHeaderValue.Parse(etag), useStrongComparison: false));
}
