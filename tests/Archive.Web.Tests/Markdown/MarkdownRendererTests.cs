using Archive.Web.Markdown;

namespace Archive.Web.Tests.Markdown;

public sealed class MarkdownRendererTests
{
    private readonly MarkdownRenderer renderer = new();

    private string Html(string markdown) => renderer.Render(markdown).Html;

    // Hostile input: raw HTML is text, never markup.

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("Inline <script>alert(1)</script> script")]
    [InlineData("<SCRIPT SRC=//evil.example/x.js></SCRIPT>")]
    public void Script_tags_are_escaped(string markdown)
    {
        var html = Html(markdown);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("text <img src=x onerror=alert(1)> text")]
    [InlineData("<div onclick=\"alert(1)\">block</div>")]
    [InlineData("<svg onload=alert(1)></svg>")]
    [InlineData("<a href=\"#\" onmouseover=\"alert(1)\">x</a>")]
    public void Html_blocks_and_inline_html_with_event_handlers_are_escaped(string markdown)
    {
        var html = Html(markdown);

        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<div", html);
        Assert.DoesNotContain("<svg", html);
        Assert.DoesNotContain("<a href=\"#\" onmouseover", html);
        Assert.DoesNotMatch("<[a-z]+[^>]*\\son[a-z]+=", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click]( javascript:alert(1))")]
    [InlineData("[click](&#106;avascript:alert(1))")]
    [InlineData("[click](java&#x09;script:alert(1))")]
    [InlineData("[click](vbscript:msgbox(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[click][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("<javascript:alert(1)>")]
    public void Links_with_script_urls_lose_their_url_but_keep_their_text(string markdown)
    {
        var html = Html(markdown);

        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"java", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"vbscript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", html);
        Assert.DoesNotContain("<a ", html);
        Assert.Contains(markdown.StartsWith('<') ? "alert(1)" : "click", html);
    }

    [Theory]
    [InlineData("![x](javascript:alert(1))")]
    [InlineData("![x](data:text/html,<script>alert(1)</script>)")]
    [InlineData("![x](vbscript:msgbox(1))")]
    public void Images_with_unsafe_urls_become_their_alt_text(string markdown)
    {
        var html = Html(markdown);

        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains("x", html);
    }

    [Fact]
    public void Data_image_urls_are_kept_for_images_only()
    {
        var html = Html("![dot](data:image/png;base64,iVBORw0KGgo=) and [link](data:image/png;base64,iVBORw0KGgo=)");

        Assert.Contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\"", html);
        Assert.DoesNotContain("href=\"data:", html);
    }

    [Theory]
    [InlineData("[a](https://transformer-circuits.pub/2021/framework/index.html)", "https://transformer-circuits.pub/2021/framework/index.html")]
    [InlineData("[a](/specimens/induction-2l)", "/specimens/induction-2l")]
    [InlineData("[a](#mechanism)", "#mechanism")]
    [InlineData("[a](mailto:someone@example.org)", "mailto:someone@example.org")]
    [InlineData("[a](./notes:v2)", "./notes:v2")]
    public void Safe_links_are_kept(string markdown, string href)
    {
        Assert.Contains($"href=\"{href}\"", Html(markdown));
    }

    [Fact]
    public void External_links_are_marked_as_user_generated()
    {
        var html = Html("[paper](https://arxiv.org/abs/2209.11895) and [page](/library)");

        Assert.Contains("<a href=\"https://arxiv.org/abs/2209.11895\" rel=\"nofollow ugc noopener\">paper</a>", html);
        Assert.Contains("<a href=\"/library\">page</a>", html);
    }

    [Fact]
    public void Generic_attribute_syntax_cannot_add_event_handlers()
    {
        var html = Html("## Heading {onclick=alert(1)}\n\n[x](https://example.org){onmouseover=alert(1)}");

        Assert.DoesNotContain("onclick=\"", html);
        Assert.DoesNotContain("onmouseover=\"", html);
    }

    [Theory]
    [InlineData("javascript:alert(1)", false, false)]
    [InlineData("  JAVASCRIPT:alert(1)", false, false)]
    [InlineData("java\tscript:alert(1)", false, false)]
    [InlineData("java\nscript:alert(1)", false, false)]
    [InlineData("data:image/png;base64,AAAA", true, true)]
    [InlineData("data:image/png;base64,AAAA", false, false)]
    [InlineData("data:text/html,hi", true, false)]
    [InlineData("https://example.org", false, true)]
    [InlineData("https://example.org/figure.png", true, false)]
    [InlineData("//example.org/figure.png", true, false)]
    [InlineData("/\\example.org/figure.png", true, false)]
    [InlineData("\\\\example.org/figure.png", true, false)]
    [InlineData("figures/loss.png", true, true)]
    [InlineData("/blobs/loss.png", true, true)]
    [InlineData("relative/path", false, true)]
    [InlineData("?q=a:b", false, true)]
    [InlineData("", false, true)]
    public void Url_policy(string url, bool isImage, bool safe)
    {
        Assert.Equal(safe, MarkdownRenderer.IsSafeUrl(url, isImage));
    }

    // Structure: anchors, table of contents, math, code, tables, footnotes, task lists.

    [Fact]
    public void Headings_get_ids_and_a_visible_anchor_link()
    {
        var html = Html("## Composition scores\n\ntext");

        Assert.Contains("<h2 id=\"composition-scores\">", html);
        Assert.Contains("<a href=\"#composition-scores\" class=\"heading-anchor\"", html);
        Assert.Contains(">#</a></h2>", html);
    }

    [Fact]
    public void Table_of_contents_lists_level_2_and_3_headings_in_order()
    {
        var result = renderer.Render("## Question\n\n### Setup with `hook_pattern`\n\n#### Too deep\n\n## Mechanism\n\n## Mechanism\n");

        Assert.Equal(
            [
                new MarkdownHeading(2, "question", "Question"),
                new MarkdownHeading(3, "setup-with-hook_pattern", "Setup with hook_pattern"),
                new MarkdownHeading(2, "mechanism", "Mechanism"),
                new MarkdownHeading(2, "mechanism-1", "Mechanism"),
            ],
            result.TableOfContents);
    }

    [Fact]
    public void A_writeup_that_starts_at_h1_is_shifted_down_so_the_page_keeps_one_h1()
    {
        var result = renderer.Render("# Summary\n\n## Detail\n");

        Assert.DoesNotContain("<h1", result.Html);
        Assert.Contains("<h2 id=\"summary\">", result.Html);
        Assert.Contains("<h3 id=\"detail\">", result.Html);
        Assert.Equal(["summary", "detail"], result.TableOfContents.Select(h => h.Id));
    }

    [Fact]
    public void Heading_text_in_the_anchor_label_is_escaped()
    {
        var html = Html("## A \"quoted\" <b>heading</b>");

        Assert.DoesNotContain("<b>", html);
        Assert.Contains("aria-label=\"Link to the section “A &quot;quoted&quot; &lt;b&gt;heading&lt;/b&gt;”\"", html);
    }

    [Fact]
    public void Inline_and_display_math_become_math_elements_for_katex()
    {
        var html = Html("Score $s = A_{t,t-1}$ and\n\n$$\n\\frac{1}{T}\\sum_t x_t < 1\n$$\n");

        Assert.Contains("<span class=\"math\">\\(s = A_{t,t-1}\\)</span>", html);
        Assert.Contains("<div class=\"math\">", html);
        Assert.Contains("\\frac{1}{T}\\sum_t x_t &lt; 1", html);
    }

    [Fact]
    public void Double_dollar_math_inside_a_paragraph_keeps_display_mode()
    {
        var html = Html("where\n$$\\text{score}(h) = 1$$\nholds");

        Assert.Contains("<span class=\"math\">\\[\\text{score}(h) = 1\\]</span>", html);
    }

    [Fact]
    public void Fenced_code_carries_its_language_class_and_is_escaped()
    {
        var html = Html("```python\nprint(\"<script>\")\n```");

        Assert.Contains("<pre><code class=\"language-python\">", html);
        Assert.Contains("print(&quot;&lt;script&gt;&quot;)", html);
    }

    [Fact]
    public void Pipe_tables_footnotes_and_task_lists_render()
    {
        var html = Html("| Pair | K-comp |\n|---|---:|\n| 0.1 → 1.4 | 0.31 |\n\nText.[^1]\n\n- [x] done\n- [ ] todo\n\n[^1]: A note.");

        Assert.Contains("<table>", html);
        Assert.Contains("<th style=\"text-align: right;\">K-comp</th>", html);
        Assert.Contains("class=\"footnote-ref\"", html);
        Assert.Contains("class=\"footnotes\"", html);
        Assert.Contains("type=\"checkbox\"", html);
        Assert.Contains("checked=\"checked\"", html);
    }

    [Fact]
    public void Empty_writeups_render_nothing()
    {
        Assert.Equal(new RenderedMarkdown("", []).Html, renderer.Render("   ").Html);
        Assert.Empty(renderer.Render(null).TableOfContents);
    }
}
