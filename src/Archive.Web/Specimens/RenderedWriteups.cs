using Archive.Web.Markdown;
using Microsoft.Extensions.Caching.Memory;

namespace Archive.Web.Specimens;

/// <summary>
/// Writeups rendered once per revision. A revision never changes, so the HTML of its writeup (Markdig, heading ids,
/// the typesetting checks: most of a specimen page's server time for a long writeup) is kept and every later view of
/// that revision reuses it. Bounded by the size of the HTML kept; the least recently used go first.
/// </summary>
public sealed class RenderedWriteups(MarkdownRenderer markdown) : IDisposable
{
    /// <summary>About 64 MiB of UTF-16 HTML.</summary>
    public const long MaxChars = 32L * 1024 * 1024;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxChars });

    /// <summary>The text is part of the key (cheaply, by length and hash) so that a database restored or reset under a
    /// running site, whose revision ids start again, never shows another revision's writeup.</summary>
    public RenderedMarkdown Get(int revisionId, string writeup) =>
        cache.GetOrCreate((revisionId, writeup.Length, writeup.GetHashCode(StringComparison.Ordinal)), entry =>
        {
            var rendered = markdown.Render(writeup);
            entry.Size = rendered.Html.Length + 1;
            return rendered;
        })!;

    public void Dispose() => cache.Dispose();
}
