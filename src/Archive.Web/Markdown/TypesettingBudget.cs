namespace Archive.Web.Markdown;

/// <summary>
/// Decides, in one pass over the text, whether Markdig can typeset a writeup in bounded time. Within one paragraph or
/// table, Markdig's inline parsing is superlinear in a few constructs: for each inline it walks the chain of pending
/// emphasis delimiters ("*", "_"); from each unclosed link destination or title ("](") and each code span opener
/// ("`") it scans on to the end of the paragraph; each bare URL (autolinks) walks back over everything before it; each
/// link reference definition ("]:") in a run re-copies the rest of the run. Each costs at most (how many there are in
/// the paragraph) × (the paragraph's length); a paragraph here is text between blank lines, which can only
/// overestimate, since no paragraph or table spans a blank line. And a block that turns out not to be one (a paragraph
/// that was only reference or footnote definitions ("]:"), or that a setext underline ("===", "---") makes a heading)
/// is removed from its parent by a search from the parent's first child: at most (such blocks) × (lines).
/// The sum of those bounds must stay under <see cref="Budget"/>.
/// <para>
/// Measured: about 1–2 ns a unit, so the budget is a tenth or two of a second. The archive's real writeups use under
/// 0.5 % of it; a table of 500 rows, each with a bold cell, an italic one and a link, about three quarters. Beyond it:
/// 200 KB of "[a](b" took 17 s, 440 KB of bare URLs in one paragraph 19 s, 1.2 MB of setext headings 35 s, and a
/// table of 3,000 rows with a bold and an italic cell made Markdig throw (its chain of pending delimiters is limited to
/// 10,240). The budget keeps that chain short: a paragraph with d delimiters is at least 2d − 1 long, so d × length
/// under the budget means d under 7,100.
/// </para>
/// </summary>
internal static class TypesettingBudget
{
    public const long Budget = 100_000_000;

    private static readonly string[] s_autolinkPrefixes = ["http://", "https://", "ftp://", "mailto:", "tel:", "www."];

    public static bool Allows(string markdown)
    {
        long spent = 0;
        long inParagraph = 0; // constructs in the current paragraph
        long removable = 0; // blocks that may be removed from their parent: definitions and setext underlines
        long lines = 0;
        var paragraphStart = 0;
        var lineStart = 0;
        var blankLine = true;
        var underline = '\0'; // the line's one character so far, when it is all '=' or all '-'
        var text = markdown.AsSpan();
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : '\n';
            if (c == '\n')
            {
                lines++;
                if (blankLine)
                {
                    spent += inParagraph * (lineStart - paragraphStart);
                    inParagraph = 0;
                    paragraphStart = i + 1;
                }
                if (underline is '=' or '-') removable++;
                lineStart = i + 1;
                blankLine = true;
                underline = '\0';
                continue;
            }
            if (!char.IsWhiteSpace(c))
            {
                underline = (blankLine && c is '=' or '-') || c == underline ? c : ' ';
                blankLine = false;
            }

            var previous = i > 0 ? text[i - 1] : '\n';
            switch (c)
            {
                case '*' or '_':
                case '`' when previous != '`':
                case '(' when previous == ']':
                case 'h' or 'f' or 'm' or 't' or 'w' when StartsAutolink(text[i..]):
                    inParagraph++;
                    break;
                case ':' when previous == ']':
                    inParagraph++;
                    removable++;
                    break;
            }
        }
        spent += inParagraph * (text.Length - paragraphStart) + removable * lines;
        return spent <= Budget;
    }

    private static bool StartsAutolink(ReadOnlySpan<char> text)
    {
        foreach (var prefix in s_autolinkPrefixes)
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
