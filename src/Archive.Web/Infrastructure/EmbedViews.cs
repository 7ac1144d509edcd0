using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Archive.Web.Infrastructure;

/// <summary>
/// Embeddable views (<c>?embed=true</c>): a page without the site's header and footer, for blog posts, as Neuronpedia
/// offers. Only a page that has such a view lets other sites frame it, and only for that response; every other
/// response keeps whatever framing policy the site sends.
/// </summary>
public static class EmbedViews
{
    public const string QueryKey = "embed";

    public static bool IsRequested(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
        && QueryHelpers.ParseQuery(parsed.Query).TryGetValue(QueryKey, out var value)
        && bool.TryParse(value.ToString(), out var embed) && embed;

    /// <summary>
    /// For a page with an embeddable view: whether this request asks for it, and if so, lets other sites frame the
    /// response (call while the page initialises, before anything is written).
    /// </summary>
    public static bool Begin(string uri, HttpContext? http)
    {
        var embed = IsRequested(uri);
        if (embed && http is not null && !http.Response.HasStarted) AllowFraming(http.Response);
        return embed;
    }

    /// <summary>
    /// Lets any site frame this response: <c>frame-ancestors *</c> in its Content-Security-Policy (the rest of the
    /// site's policy stays), and no X-Frame-Options. The site's pages carry <c>X-Frame-Options: SAMEORIGIN</c> from
    /// antiforgery, which sets it while the page renders, after the page's own code ran; so that goes as the headers go
    /// out.
    /// </summary>
    public static void AllowFraming(HttpResponse response)
    {
        if (response.HasStarted) throw new InvalidOperationException("Framing must be allowed before the response starts.");
        ContentSecurityPolicy.For(response.HttpContext).FrameAncestors = "*";
        response.OnStarting(() =>
        {
            response.Headers.Remove(HeaderNames.XFrameOptions);
            return Task.CompletedTask;
        });
    }
}
