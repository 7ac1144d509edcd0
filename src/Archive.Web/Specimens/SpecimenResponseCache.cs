using System.Text;
using Archive.Data;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Caching.Memory;

namespace Archive.Web.Specimens;

/// <summary>
/// Marks an endpoint (the specimen page, the specimen API document) whose anonymous GET responses
/// <see cref="SpecimenResponseCache"/> keeps per <see cref="SpecimenVersion"/>; the route's <c>slug</c> names the specimen.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CachedBySpecimenVersionAttribute(params string[] varyByQuery) : Attribute
{
    /// <summary>The query parameters the response may depend on; a request with any other is never served from the cache.</summary>
    public IReadOnlyList<string> VaryByQuery { get; } = varyByQuery;
}

/// <summary>
/// Serves a public specimen's page and API document to anonymous readers from memory, as long as the specimen is at the
/// version the response was rendered at: each request reads the version (one small query) before anything else, so a
/// verdict, a review step, a revision, a retraction or an import shows on the next request whoever wrote it, and a
/// draft, which has no public version, is never kept. Signed-in readers and API keys (their own drafts, the review
/// panel) always get a fresh render.
/// What is per request in a kept page is put back on each serve: the form's antiforgery token is a hole filled with a
/// token for this reader (with its cookie), and the persisted component state Blazor appends (the renderer's antiforgery
/// token, read only when an interactive island starts a circuit) is left out. A response with an interactive island
/// (a claim's pending run) is never kept: its markers are bound to the request that rendered them.
/// </summary>
public sealed class SpecimenResponseCache(IAntiforgery antiforgery) : IDisposable
{
    /// <summary>At most this many bytes kept (least recently used out); a single response over an eighth of it is not kept.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    private static readonly byte[] StateCommentStart = "<!--Blazor-Server-Component-State:"u8.ToArray();
    private static readonly byte[] InteractiveMarker = "<!--Blazor:{"u8.ToArray();
    private static readonly string[] ReplayedHeaders = ["Content-Type", "blazor-enhanced-nav"];

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxBytes });

    private sealed record Kept(string Version, byte[][] Segments, KeyValuePair<string, string>[] Headers);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var marker = http.GetEndpoint()?.Metadata.GetMetadata<CachedBySpecimenVersionAttribute>();
        if (marker is null || !HttpMethods.IsGet(http.Request.Method) || http.User.Identity?.IsAuthenticated == true
            || http.Request.Headers.Authorization.Count > 0 || http.Request.Headers.ContainsKey("X-Api-Key")
            || http.Request.Query.Keys.Any(k => !marker.VaryByQuery.Contains(k, StringComparer.OrdinalIgnoreCase))
            || http.Request.RouteValues["slug"] is not string slug)
        {
            await next(http);
            return;
        }
        // Read before rendering: what is rendered is at least this version, so it is never kept under a newer one.
        var version = await SpecimenVersion.ForPublicAsync(http.RequestServices.GetRequiredService<ArchiveDbContext>(), slug, http.RequestAborted);
        if (version is null)
        {
            await next(http);
            return;
        }
        // Blazor's enhanced navigation asks for the same page with another Accept header: kept apart, to be safe.
        var key = (http.Request.Path.Value, http.Request.QueryString.Value, http.Request.Headers.Accept.ToString());
        if (cache.TryGetValue(key, out Kept? kept) && kept!.Version == version)
        {
            await ServeAsync(http, kept);
            return;
        }

        var body = http.Response.Body;
        await using var capture = new CaptureStream(body, MaxBytes / 8);
        http.Response.Body = capture;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = body;
        }
        if (http.Response.StatusCode == StatusCodes.Status200OK && capture.Captured is { } bytes && Keep(http, version, bytes) is { } entry)
        {
            cache.Set(key, entry, new MemoryCacheEntryOptions { Size = bytes.Length + 1 });
        }
    }

    private Kept? Keep(HttpContext http, string version, byte[] bytes)
    {
        if (IndexOf(bytes, InteractiveMarker, 0) >= 0) return null;
        var state = IndexOf(bytes, StateCommentStart, 0);
        if (state >= 0)
        {
            var end = IndexOf(bytes, "-->"u8.ToArray(), state);
            if (end < 0) return null;
            bytes = [.. bytes.AsSpan(0, state), .. bytes.AsSpan(end + 3)];
        }
        // The tokens this request rendered (generated once per request, so the same string every time it is asked for).
        var token = IsHtml(http) ? antiforgery.GetTokens(http).RequestToken : null;
        var segments = new List<byte[]>();
        if (token is { Length: > 0 })
        {
            var needle = Encoding.UTF8.GetBytes(token);
            int from = 0, at;
            while ((at = IndexOf(bytes, needle, from)) >= 0)
            {
                segments.Add(bytes[from..at]);
                from = at + needle.Length;
            }
            segments.Add(bytes[from..]);
        }
        else
        {
            segments.Add(bytes);
        }
        var headers = ReplayedHeaders.Where(h => http.Response.Headers.ContainsKey(h))
            .Select(h => KeyValuePair.Create(h, http.Response.Headers[h].ToString())).ToArray();
        return new Kept(version, [.. segments], headers);
    }

    private async Task ServeAsync(HttpContext http, Kept kept)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        foreach (var (name, value) in kept.Headers) response.Headers[name] = value;
        var token = kept.Segments.Length > 1
            ? Encoding.UTF8.GetBytes(antiforgery.GetAndStoreTokens(http).RequestToken!) // this reader's token, and its cookie when it has none
            : [];
        response.ContentLength = kept.Segments.Sum(s => (long)s.Length) + (long)token.Length * (kept.Segments.Length - 1);
        for (var i = 0; i < kept.Segments.Length; i++)
        {
            if (i > 0) await response.Body.WriteAsync(token, http.RequestAborted);
            await response.Body.WriteAsync(kept.Segments[i], http.RequestAborted);
        }
    }

    private static bool IsHtml(HttpContext http) => http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;

    private static int IndexOf(byte[] haystack, byte[] needle, int from)
    {
        var at = haystack.AsSpan(from).IndexOf(needle);
        return at < 0 ? -1 : from + at;
    }

    public void Dispose() => cache.Dispose();

    /// <summary>Passes the response through and keeps a copy, up to a limit (past it, nothing is kept).</summary>
    private sealed class CaptureStream(Stream inner, long limit) : Stream
    {
        private MemoryStream? copy = new();

        public byte[]? Captured => copy?.ToArray();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        private void Keep(ReadOnlySpan<byte> buffer)
        {
            if (copy is null) return;
            if (copy.Length + buffer.Length > limit) copy = null;
            else copy.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

public static class SpecimenResponseCacheExtensions
{
    /// <summary>After authentication (it serves anonymous readers only) and routing (it reads the endpoint's marker).</summary>
    public static IApplicationBuilder UseSpecimenResponseCache(this IApplicationBuilder app) =>
        app.Use((http, next) => http.RequestServices.GetRequiredService<SpecimenResponseCache>().InvokeAsync(http, next));
}
