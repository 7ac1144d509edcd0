using System.Text;
using Markdig;
using Markdig.Extensions.AutoIdentifiers;
using Markdig.Extensions.Mathematics;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Archive.Web.Markdown;

/// <summary>A heading of a rendered document, for its table of contents.</summary>
public sealed record MarkdownHeading(int Level, string Id, string Text);

/// <summary>Safe HTML for a Markdown document, and its level 2–3 headings.</summary>
public sealed record RenderedMarkdown(string Html, IReadOnlyList<MarkdownHeading> TableOfContents);

/// <summary>
/// Renders writeups. One Markdig pipeline (thread-safe, built once): CommonMark, pipe tables, footnotes, heading
/// identifiers, task lists and math. Writeups come from submitters, so raw HTML is off (it is shown as text) and every
/// link or image whose URL is not http(s), mailto, relative or a fragment loses its URL (data:image is kept for
/// images). Math is left as <c>.math</c> spans and divs for KaTeX, code blocks carry <c>language-*</c> classes for
/// highlight.js; both run in the browser (wwwroot/js/site.js).
/// </summary>
public sealed class MarkdownRenderer
{
    private static readonly string[] s_safeSchemes = ["http", "https", "mailto"];

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseFootnotes()
        .UseAutoIdentifiers(AutoIdentifierOptions.GitHub)
        .UseTaskLists()
        .UseMathematics()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    public RenderedMarkdown Render(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return new RenderedMarkdown("", []);

        var document = Markdig.Markdown.Parse(markdown, _pipeline);
        Sanitise(document);
        var toc = AnchorHeadings(document);

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        _pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<HtmlMathInlineRenderer>(new DisplayAwareMathInlineRenderer());
        renderer.Render(document);
        writer.Flush();
        return new RenderedMarkdown(writer.ToString(), toc);
    }

    /// <summary>Neutralises links and images with unsafe URLs: links keep their text, images become their alt text.</summary>
    private static void Sanitise(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
            if (IsSafeUrl(url, link.IsImage))
            {
                if (!link.IsImage && IsExternal(url))
                    link.GetAttributes().AddPropertyIfNotExist("rel", "nofollow ugc noopener");
                if (link.IsImage) link.GetAttributes().AddPropertyIfNotExist("loading", "lazy");
                continue;
            }

            if (link.IsImage)
            {
                link.ReplaceBy(new LiteralInline(PlainText(link)), copyChildren: false);
            }
            else
            {
                var text = new ContainerInline();
                link.ReplaceBy(text, copyChildren: true);
            }
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!autolink.IsEmail && !IsSafeUrl(autolink.Url, isImage: false))
                autolink.ReplaceBy(new LiteralInline(autolink.Url), copyChildren: false);
        }
    }

    /// <summary>
    /// Allows relative URLs, fragments, http(s) and mailto, and for images data:image. Browsers ignore ASCII
    /// whitespace and control characters in a scheme (<c>java&#9;script:</c>), so they are removed before looking.
    /// </summary>
    internal static bool IsSafeUrl(string? url, bool isImage)
    {
        if (string.IsNullOrEmpty(url)) return true;
        var compact = new StringBuilder(url.Length);
        foreach (var c in url)
        {
            if (c > ' ' && c != '\u007f') compact.Append(c);
        }
        var s = compact.ToString();

        var colon = s.IndexOf(':');
        if (colon < 0) return true;
        var firstDelimiter = s.IndexOfAny(['/', '?', '#']);
        if (firstDelimiter >= 0 && firstDelimiter < colon) return true; // "./a:b", "?x=1:2": a path, not a scheme

        var scheme = s[..colon].ToLowerInvariant();
        if (s_safeSchemes.Contains(scheme)) return true;
        return isImage && scheme == "data" && s.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsExternal(string? url) =>
        url is not null && (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The page's title is its one h1, so a writeup that starts its sections at h1 is shifted down a level. Each heading
    /// with an id gets a visible "#" link to itself; level 2–3 headings make the table of contents.
    /// </summary>
    private static List<MarkdownHeading> AnchorHeadings(MarkdownDocument document)
    {
        var headings = document.Descendants<HeadingBlock>().ToList();
        if (headings.Count == 0) return [];
        var shift = headings.Min(h => h.Level) == 1 ? 1 : 0;

        var toc = new List<MarkdownHeading>();
        foreach (var heading in headings)
        {
            heading.Level = Math.Min(6, heading.Level + shift);
            var id = heading.TryGetAttributes()?.Id;
            if (string.IsNullOrEmpty(id) || heading.Inline is null) continue;

            var text = PlainText(heading.Inline).Trim();
            if (heading.Level is 2 or 3) toc.Add(new MarkdownHeading(heading.Level, id, text));

            var anchor = new LinkInline($"#{id}", "") { IsClosed = true };
            anchor.AppendChild(new LiteralInline("#"));
            var attributes = anchor.GetAttributes();
            attributes.AddClass("heading-anchor");
            attributes.AddPropertyIfNotExist("aria-label", $"Link to the section “{text}”");
            heading.Inline.AppendChild(new LiteralInline(" "));
            heading.Inline.AppendChild(anchor);
        }
        return toc;
    }

    private static string PlainText(ContainerInline container)
    {
        var sb = new StringBuilder();
        AppendText(container, sb);
        return sb.ToString();
    }

    private static void AppendText(Inline inline, StringBuilder sb)
    {
        switch (inline)
        {
            case LiteralInline literal:
                sb.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                sb.Append(code.Content);
                break;
            case MathInline math:
                sb.Append(math.Content.ToString());
                break;
            case AutolinkInline autolink:
                sb.Append(autolink.Url);
                break;
            case LineBreakInline:
                sb.Append(' ');
                break;
            case ContainerInline container:
                foreach (var child in container) AppendText(child, sb);
                break;
        }
    }
}

/// <summary>
/// Markdig writes every inline formula as <c>\(…\)</c>, so <c>$$…$$</c> written on its own line inside a paragraph
/// loses display mode. This writes <c>\[…\]</c> for the double-dollar form; KaTeX then typesets it as a display.
/// </summary>
internal sealed class DisplayAwareMathInlineRenderer : HtmlObjectRenderer<MathInline>
{
    protected override void Write(HtmlRenderer renderer, MathInline obj)
    {
        var display = obj.DelimiterCount >= 2;
        if (renderer.EnableHtmlForInline)
        {
            renderer.Write("<span").WriteAttributes(obj).Write('>');
            renderer.Write(display ? "\\[" : "\\(");
        }
        renderer.WriteEscape(ref obj.Content);
        if (renderer.EnableHtmlForInline)
        {
            renderer.Write(display ? "\\]" : "\\)");
            renderer.Write("</span>");
        }
    }
}
