using System.Text;
using Markdig;
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
/// Renders writeups. One Markdig pipeline (thread-safe, built once): CommonMark, pipe tables, footnotes, task lists and
/// math, with GitHub-style heading ids. Writeups come from submitters, so raw HTML is off (it is shown as text), every
/// link whose URL is not http(s), mailto, relative or a fragment loses its URL, and images load only from the archive
/// (a relative URL, or a data:image one). Math is left as <c>.math</c> spans and divs for KaTeX, code blocks carry
/// <c>language-*</c> classes for highlight.js; both run in the browser (wwwroot/js/site.js).
/// <para>
/// Any writeup renders, in time about linear in its length: nesting is bounded (<see cref="NestingLimits"/>), heading ids are
/// found in one pass (<see cref="HeadingIdentifiers"/>), and a writeup over <see cref="MaxTypesetLength"/>, or whose
/// paragraphs are too dense with the constructs Markdig is slow on (<see cref="TypesettingBudget"/>), is shown as plain
/// text instead of being parsed.
/// </para>
/// </summary>
public sealed class MarkdownRenderer
{
    /// <summary>
    /// The longest writeup typeset as Markdown, in characters (2 MiB). The longest real ones, charts embedded as data
    /// URLs included, are a few hundred KB. The page is rendered on every request, and typesetting takes up to about a
    /// second a megabyte; a longer writeup is still shown in full, as plain text.
    /// </summary>
    public const int MaxTypesetLength = 2 * 1024 * 1024;

    private static readonly string[] s_safeSchemes = ["http", "https", "mailto"];

    private readonly MarkdownPipeline _pipeline = BuildPipeline();

    private static MarkdownPipeline BuildPipeline()
    {
        var builder = new MarkdownPipelineBuilder()
            .UsePipeTables()
            .UseFootnotes()
            .UseTaskLists()
            .UseMathematics()
            .UseAutoLinks()
            .DisableHtml();
        builder.Extensions.Add(new NestingLimits());
        return builder.Build();
    }

    public RenderedMarkdown Render(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return new RenderedMarkdown("", []);
        if (markdown.Length > MaxTypesetLength) return PlainTextWriteup.Render(markdown, PlainTextWriteup.TooLong(markdown.Length));
        if (!TypesettingBudget.Allows(markdown)) return PlainTextWriteup.Render(markdown, PlainTextWriteup.TooDense);

        var document = Markdig.Markdown.Parse(markdown, _pipeline);
        NestingLimits.FlattenDeepInlines(document);
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

    /// <summary>
    /// Neutralises links and images with unsafe URLs: links keep their text, images become their alt text. An image on
    /// another site becomes a link to it, labelled with its alt text: loaded with the page, it would tell that site who
    /// reads the writeup (and the site's Content-Security-Policy, img-src 'self' data:, refuses it anyway).
    /// </summary>
    private static void Sanitise(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
            if (link.IsImage && !IsSafeUrl(url, isImage: true) && IsSafeUrl(url, isImage: false))
            {
                LinkInsteadOfImage(link, url!);
                if (link.Parent is null) continue; // replaced by its label
            }

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
    /// Labelled with the alt text, as plain text (an image's alt may hold links), or the address when there is none. An
    /// image that is itself a link's content (a badge) becomes just that label: links do not nest.
    /// </summary>
    private static void LinkInsteadOfImage(LinkInline image, string url)
    {
        var text = PlainText(image).Trim();
        var label = new LiteralInline(text.Length > 0 ? text : url);
        if (image.Parent?.FirstParentOfType<LinkInline>() is not null)
        {
            image.ReplaceBy(label, copyChildren: false);
            return;
        }
        while (image.FirstChild is { } child) child.Remove();
        image.IsImage = false;
        image.AppendChild(label);
    }

    /// <summary>
    /// Allows relative URLs, fragments, http(s) and mailto for links; for images, only what the archive serves: a
    /// relative URL (not "//host/…", which is another site) or data:image. Browsers ignore ASCII whitespace and control
    /// characters in a URL's scheme (<c>java&#9;script:</c>) and read "\" as "/", so those are accounted for.
    /// </summary>
    internal static bool IsSafeUrl(string? url, bool isImage)
    {
        if (string.IsNullOrEmpty(url)) return true;
        var s = Compact(url);
        if (isImage && IsSchemeRelative(s)) return false;
        var scheme = Scheme(s);
        if (scheme is null) return true;
        if (isImage) return scheme == "data" && s.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase);
        return s_safeSchemes.Contains(scheme);
    }

    private static string Compact(string url)
    {
        var compact = new StringBuilder(url.Length);
        foreach (var c in url)
        {
            if (c > ' ' && c != '\u007f') compact.Append(c);
        }
        return compact.ToString();
    }

    /// <summary>The lower-case scheme, or null for a relative URL ("./a:b" and "?x=1:2" are paths, not schemes).</summary>
    private static string? Scheme(string compactUrl)
    {
        var colon = compactUrl.IndexOf(':');
        if (colon < 0) return null;
        var firstDelimiter = compactUrl.IndexOfAny(['/', '\\', '?', '#']);
        if (firstDelimiter >= 0 && firstDelimiter < colon) return null;
        return compactUrl[..colon].ToLowerInvariant();
    }

    private static bool IsSchemeRelative(string compactUrl) =>
        compactUrl.Length >= 2 && (compactUrl[0] is '/' or '\\') && (compactUrl[1] is '/' or '\\');

    private static bool IsExternal(string? url)
    {
        if (url is null) return false;
        var s = Compact(url);
        return IsSchemeRelative(s) || Scheme(s) is "http" or "https";
    }

    /// <summary>
    /// The page's title is its one h1, so a writeup that starts its sections at h1 is shifted down a level. Each heading
    /// gets a GitHub-style id and a visible "#" link to itself; level 2–3 headings make the table of contents.
    /// </summary>
    private static List<MarkdownHeading> AnchorHeadings(MarkdownDocument document)
    {
        var headings = document.Descendants<HeadingBlock>().ToList();
        if (headings.Count == 0) return [];
        var shift = headings.Min(h => h.Level) == 1 ? 1 : 0;

        var ids = new HeadingIdentifiers();
        var toc = new List<MarkdownHeading>();
        foreach (var heading in headings)
        {
            heading.Level = Math.Min(6, heading.Level + shift);
            if (heading.Inline is null) continue;

            var text = PlainText(heading.Inline).Trim();
            var id = ids.Next(text);
            heading.GetAttributes().Id = id;
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
            case HtmlEntityInline entity:
                sb.Append(entity.Transcoded.ToString());
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
