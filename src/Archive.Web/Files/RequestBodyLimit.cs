using Microsoft.AspNetCore.Http.Features;

namespace Archive.Web.Files;

/// <summary>
/// Uploads are bounded by the archive's own limit (<see cref="Infrastructure.ArchiveOptions.MaxUploadBytes"/>), enforced
/// while the body streams, rather than by Kestrel's 30 MB default for ordinary requests.
/// </summary>
public static class RequestBodyLimit
{
    /// <returns>False when the request declares a body over <paramref name="maxBytes"/> (refuse it before reading).</returns>
    public static bool TryRaise(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes) return false;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize) bodySize.MaxRequestBodySize = null;
        return true;
    }
}
