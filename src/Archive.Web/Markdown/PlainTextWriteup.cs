using System.Globalization;
using System.Text;

namespace Archive.Web.Markdown;

/// <summary>
/// A writeup the archive will not typeset (too long, or too dense to typeset in time), shown whole as escaped text
/// under a note saying why. One pass over the text, however long: a reader still gets every word, and the page still
/// comes back in time. It has no .math elements and its code block no language class, so KaTeX and highlight.js leave
/// it alone.
/// </summary>
internal static class PlainTextWriteup
{
    public const string NoteClass = "writeup-plain-note";

    public const string TooDense =
        "Its markup is too dense to typeset in reasonable time (thousands of emphasis marks, links or bare addresses in one paragraph or table).";

    public static string TooLong(int length) =>
        $"This writeup is {Megabytes(length)} of Markdown, more than the {Megabytes(MarkdownRenderer.MaxTypesetLength)} the archive typesets.";

    public static RenderedMarkdown Render(string markdown, string reason)
    {
        var html = new StringBuilder(markdown.Length + markdown.Length / 8 + 512);
        html.Append("<p class=\"").Append(NoteClass).Append("\" role=\"note\"><strong>Shown as plain text.</strong> ");
        AppendEscaped(html, reason);
        html.Append("</p>\n<pre class=\"writeup-plain\"><code>");
        AppendEscaped(html, markdown);
        html.Append("</code></pre>\n");
        return new RenderedMarkdown(html.ToString(), []);
    }

    private static void AppendEscaped(StringBuilder html, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': html.Append("&amp;"); break;
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                case '"': html.Append("&quot;"); break;
                default: html.Append(c); break;
            }
        }
    }

    private static string Megabytes(int characters) =>
        (characters / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture) + " MB";
}
