using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Archive.Web.Infrastructure;

/// <summary>
/// The Content-Security-Policy of one response: one policy for every page, which a page may change only where it says
/// so (<see cref="FrameAncestors"/> for embeddable views, <see cref="NewScriptNonce"/> for a page with an inline script).
/// <see cref="SecurityHeaders.UseSecurityHeaders"/> writes it on HTML responses as the headers go out, so whatever the
/// page decided while rendering is in it.
/// <list type="bullet">
/// <item>Scripts only from the archive, and no eval: every page script is a file (App.razor; Blazor's blazor.web.js needs
/// no eval or inline script); the API reference's one inline script carries a nonce (the Zod in its bundle asks whether
/// eval is allowed and does without). A script that got into a writeup could not run.</item>
/// <item>Styles from the archive, and inline: pages set style attributes (bar widths, token shading), KaTeX styles what it
/// typesets, and Blazor's reconnection dialog and the API reference add style elements. Markup cannot be injected (a
/// writeup's HTML is shown as text), so inline styles are the lesser risk.</item>
/// <item>Images from the archive or data: URLs (charts in writeups); fonts, fetches and Blazor's WebSocket from the
/// archive only (CSP Level 3 matches the same host's ws:/wss: to 'self'; the browser tests run interactive pages under
/// this policy in Chromium).</item>
/// <item>No plugins, no &lt;base&gt; elsewhere, forms post only here, and only the site may frame its pages.</item>
/// </list>
/// </summary>
public sealed class ContentSecurityPolicy
{
    private string? scriptNonce;

    /// <summary>Who may frame the page (the frame-ancestors sources): the site itself unless a page opens itself up.</summary>
    public string FrameAncestors { get; set; } = "'self'";

    /// <summary>The policy of the current response (a fresh one where the middleware did not run).</summary>
    public static ContentSecurityPolicy For(HttpContext context)
    {
        var policy = context.Features.Get<ContentSecurityPolicy>();
        if (policy is null)
        {
            policy = new ContentSecurityPolicy();
            context.Features.Set(policy);
        }
        return policy;
    }

    /// <summary>A nonce for this response's inline scripts (the same one if asked again), allowed by script-src.</summary>
    public string NewScriptNonce() => scriptNonce ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(16)); // hex: no HTML escaping

    public override string ToString() => string.Join("; ",
        "default-src 'self'",
        scriptNonce is null ? "script-src 'self'" : $"script-src 'self' 'nonce-{scriptNonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        $"frame-ancestors {FrameAncestors}");
}

public static class SecurityHeaders
{
    /// <summary>
    /// Every response: <c>X-Content-Type-Options: nosniff</c> and a Referrer-Policy (origin only, to other sites; none
    /// from https to http); HTML responses: the response's <see cref="ContentSecurityPolicy"/>.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var policy = new ContentSecurityPolicy();
        context.Features.Set(policy);
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (!headers.ContainsKey("Referrer-Policy")) headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            if (MediaTypeHeaderValue.TryParse(context.Response.ContentType, out var type)
                && type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                headers.ContentSecurityPolicy = policy.ToString();
            }
            return Task.CompletedTask;
        });
        return next(context);
    });
}
