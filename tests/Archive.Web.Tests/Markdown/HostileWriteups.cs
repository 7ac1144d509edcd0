using System.Text;
using Archive.Web.Markdown;

namespace Archive.Web.Tests.Markdown;

/// <summary>
/// Writeups a hostile submitter might send, by name: markup and URLs that would run script, load from another site or
/// style the page; KaTeX commands that would link, add attributes or grow without bound; nesting and sizes that made
/// Markdig throw or take minutes. A payload that ran would set <c>window.__pwned</c> or open a dialog.
/// </summary>
public static class HostileWriteups
{
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["script-tags"] = """
            <script>window.__pwned = 'script'; alert(1)</script>

            Inline <script>window.__pwned = 'inline'</script> and <SCRIPT SRC=https://evil.example/x.js></SCRIPT>

            <scr<script>ipt>window.__pwned = 'split'</scr</script>ipt>
            """,
        ["style-tags"] = """
            <style>body { background: url(https://evil.example/bg.png) } #writeup { display: none }</style>

            <link rel="stylesheet" href="https://evil.example/x.css">

            <div style="background: url(https://evil.example/y.png)">styled</div>
            """,
        ["javascript-links"] = """
            [plain](javascript:window.__pwned='link') [case](JaVaScRiPt:alert(1)) [space]( javascript:alert(1))
            [tab](java&#x09;script:alert(1)) [entity](&#106;avascript:alert(1)) [colon](javascript&colon;alert(1))
            [angle](<javascript:alert(1)>) [vb](vbscript:msgbox(1)) [percent](%6Aavascript:alert(1))

            <javascript:alert(1)> [reference][r] [r]

            [r]: javascript:window.__pwned='reference'
            """,
        ["data-urls"] = $"""
            [html](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) ![html](data:text/html,<script>alert(1)</script>)

            ![svg with script](data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"window.top.__pwned='svg'\"><script>alert(1)</script><rect width=\"4\" height=\"4\"/></svg>"))})

            ![dot](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=)
            """,
        ["event-attributes"] = """
            <img src=x onerror="window.__pwned='img'"> <a href="#" onclick="alert(1)">a</a>

            <div onmouseover="alert(1)">hover</div>

            ## Heading {onclick=alert(1)}

            [attributes](https://example.org){onmouseover=alert(1)}

            | cell <img src=x onerror=alert(1)> | ![x](x" onerror="alert(1)) |
            |---|---|
            | `<b onclick=alert(1)>` | [a](#"onfocus="alert(1)"autofocus="") |
            """,
        ["svg-and-mxss"] = """
            <svg onload=alert(1)><script>window.__pwned='svg'</script></svg>

            <svg><animate onbegin=alert(1) attributeName=x dur=1s></svg>

            <math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>

            <noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>

            <iframe src="javascript:alert(1)"></iframe> <object data="https://evil.example/x.swf"></object> <embed src="https://evil.example/x">

            <!-- <script>alert(1)</script> --> <![CDATA[<script>alert(1)</script>]]> <base href="https://evil.example/"> <form action="https://evil.example/"><button>go</button></form>
            """,
        ["katex-commands"] = """
            Links: $\href{javascript:window.__pwned='href'}{click}$ and $\url{javascript:alert(1)}$ and $\href{https://evil.example/}{out}$.

            Attributes: $\htmlClass{site-header}{x}$ $\htmlId{writeup}{y}$ $\htmlStyle{background: url(https://evil.example/z.png)}{z}$ $\htmlData{pwned=1}{w}$

            $$
            \includegraphics[height=1em]{https://evil.example/i.png}
            $$

            Escape: $</span><script>window.__pwned='math'</script>$
            """,
        ["katex-oversized"] = $$"""
            $$
            \rule{100000em}{100000em}
            $$

            $$
            \kern100000em x \hspace{100000em} y
            $$

            $$
            \def\a{\a\a}\a
            $$

            $$
            {{string.Concat(Enumerable.Repeat("\\frac{1}{", 400))}}x{{new string('}', 400)}}
            $$

            $$
            {{string.Concat(Enumerable.Repeat("x^{", 300))}}y{{new string('}', 300)}}
            $$

            $$
            {{string.Concat(Enumerable.Repeat("\\sum_{i=1}^{n} x_i + ", 2000))}}1
            $$
            """,
        ["external-images"] = """
            ![tracker](https://evil.example/track.png) ![relative to scheme](//evil.example/track.png)

            ![backslashes](/\evil.example/track.png) ![entity](&#47;&#47;evil.example/track.png) ![](http://evil.example/empty-alt.png)

            ![reference][img]

            [img]: https://evil.example/reference.png
            """,
        ["code-and-headings"] = """
            ```x" onmouseover="alert(1)
            </code></pre><script>window.__pwned='code'</script>
            ```

            ## "><img src=x onerror=alert(1)> `</h2><script>alert(1)</script>`

            Footnote[^<script>] and task list:

            - [x] <img src=x onerror=alert(1)>

            [^<script>]: <script>alert(1)</script>
            """,
        ["deep-lists"] = string.Concat(Enumerable.Repeat("- ", 10_000)) + "deep",
        ["deep-quotes"] = string.Concat(Enumerable.Repeat("> ", 10_000)) + "deep",
        ["deep-mixed"] = string.Concat(Enumerable.Repeat("> - 1. ", 3_000)) + "deep\n\n"
            + string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', 2 * i) + "- level\n")),
        ["deep-inlines"] = new string('*', 1_000) + "strong" + new string('*', 1_000) + "\n\n"
            + new string('[', 20_000) + "bracket\n\n"
            + string.Concat(Enumerable.Repeat("![a ", 300)) + "image" + string.Concat(Enumerable.Repeat("](u)", 300)),
        ["dense-markup"] = string.Concat(Enumerable.Repeat("[a](b", 40_000)) + "\n\n" + string.Concat(Enumerable.Repeat("_a ", 20_000)),
        ["oversized"] = Oversized(MarkdownRenderer.MaxTypesetLength),
    };

    /// <summary>A realistic section repeated past <paramref name="length"/>, with a script tag in each copy.</summary>
    public static string Oversized(int length)
    {
        const string section = """
            ## Mechanism <script>window.__pwned='oversized'</script>

            Head 0.1 K-composes with head 1.4, $A^h_{t,t-1}$, see [the paper](https://transformer-circuits.pub/2021/framework/index.html).

            - **Setup**: 2L attn-only, `d_model = 512`
              - nested detail

            | Head | Score |
            |---|---:|
            | 1.4 | 0.91 |


            """;
        var sb = new StringBuilder(length + section.Length);
        while (sb.Length <= length) sb.Append(section);
        return sb.ToString();
    }

    public static TheoryData<string> Names => [.. All.Keys];
}
