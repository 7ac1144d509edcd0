using System.Text.RegularExpressions;
using Archive.Web.Markdown;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Markdown;

/// <summary>
/// Any writeup renders: nesting past the limits is flattened, not refused; a writeup too long or too dense to typeset in
/// bounded time is shown whole as escaped text. Nothing here is timed: the plain-text path is one pass over the text,
/// and the tests show which writeups take it.
/// </summary>
public sealed class MarkdownLimitsTests
{
    private readonly MarkdownRenderer renderer = new();

    private static int Count(string html, string tag) => Regex.Count(html, Regex.Escape(tag));

    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    [Theory]
    [InlineData("- ")]
    [InlineData("+ ")]
    [InlineData("1. ")]
    public void Ten_thousand_nested_lists_render_the_first_levels_and_keep_the_rest_as_text(string marker)
    {
        var html = renderer.Render(Repeat(marker, 10_000) + "deepest").Html;

        Assert.Equal(NestingLimits.MaxBlockDepth, Count(html, "<li>"));
        Assert.Contains("deepest", html);
        Assert.Contains(Repeat(marker, 3).Trim(), html); // the markers past the limit, as text
    }

    [Theory]
    [InlineData("> ")]
    [InlineData(">")]
    public void Ten_thousand_nested_block_quotes_render_the_first_levels_and_keep_the_rest_as_text(string marker)
    {
        var html = renderer.Render(Repeat(marker, 10_000) + "deepest").Html;

        Assert.Equal(NestingLimits.MaxBlockDepth, Count(html, "<blockquote>"));
        Assert.Contains("deepest", html);
        Assert.Contains("&gt;&gt;", html.Replace(" ", ""));
    }

    [Fact]
    public void Nesting_by_indentation_and_mixed_quotes_and_lists_is_bounded_too()
    {
        var indented = string.Concat(Enumerable.Range(0, 500).Select(i => new string(' ', 2 * i) + $"- level {i}\n"));
        var mixed = Repeat("> - 1. ", 5_000) + "deepest";

        var indentedHtml = renderer.Render(indented).Html;
        var mixedHtml = renderer.Render(mixed).Html;

        Assert.Equal(NestingLimits.MaxBlockDepth, Count(indentedHtml, "<ul>"));
        Assert.Contains("level 499", indentedHtml);
        Assert.Equal(NestingLimits.MaxBlockDepth, Count(mixedHtml, "<blockquote>") + Count(mixedHtml, "<li>"));
        Assert.Contains("deepest", mixedHtml);
    }

    [Fact]
    public void A_list_past_the_limit_does_not_capture_the_lines_after_it()
    {
        var html = renderer.Render(Repeat("> ", 40) + "deep\n\n- a sibling list at the top\n\n## After").Html;

        Assert.Contains("<ul>\n<li>a sibling list at the top</li>\n</ul>\n<h2 id=\"after\">", html);
    }

    [Fact]
    public void Deep_inline_nesting_is_unwrapped_keeping_its_text()
    {
        var emphasis = renderer.Render(new string('*', 1_000) + "strong" + new string('*', 1_000)).Html;
        var brackets = renderer.Render(new string('[', 20_000) + "bracket").Html;
        var images = renderer.Render(Repeat("![a ", 300) + "image" + Repeat("](u)", 300)).Html;

        Assert.InRange(Count(emphasis, "<strong>") + Count(emphasis, "<em>"), 1, NestingLimits.MaxInlineDepth);
        Assert.Contains("strong", emphasis);
        Assert.Contains(new string('[', 20_000) + "bracket", brackets);
        Assert.Contains("image", images);
    }

    [Fact]
    public void A_20_MB_writeup_is_shown_whole_as_escaped_text_without_being_parsed()
    {
        var markdown = HostileWriteups.Oversized(20 * 1024 * 1024);

        var result = renderer.Render(markdown);

        Assert.StartsWith($"<p class=\"{PlainTextWriteup.NoteClass}\" role=\"note\"><strong>Shown as plain text.</strong> This writeup is 20 MB of Markdown, more than the 2 MB", result.Html);
        Assert.Contains("<pre class=\"writeup-plain\"><code>## Mechanism &lt;script&gt;window.__pwned='oversized'&lt;/script&gt;", result.Html);
        Assert.DoesNotContain("<h2", result.Html);
        Assert.DoesNotContain("<table", result.Html);
        Assert.Empty(result.TableOfContents);
        // Every character is there, escaped: nothing dropped, nothing typeset.
        Assert.Equal(Regex.Count(markdown, "Mechanism"), Regex.Count(result.Html, "Mechanism"));
    }

    [Fact]
    public void A_writeup_just_under_the_length_limit_is_typeset()
    {
        var longer = HostileWriteups.Oversized(MarkdownRenderer.MaxTypesetLength);
        var markdown = longer[..longer.LastIndexOf("## Mechanism", MarkdownRenderer.MaxTypesetLength, StringComparison.Ordinal)];

        var result = renderer.Render(markdown);

        Assert.DoesNotContain(PlainTextWriteup.NoteClass, result.Html);
        Assert.Equal(Regex.Count(markdown, "## Mechanism"), result.TableOfContents.Count);
        Assert.Contains(">0.91</td>", result.Html);
    }

    [Theory]
    [InlineData("[a](b", 40_000)] // each unclosed destination scanned to the end of the paragraph
    [InlineData("_a ", 20_000)] // pending emphasis delimiters: Markdig throws past 10,240
    [InlineData("http://a.example ", 20_000)] // each bare URL walks back over its paragraph
    [InlineData("[a]: /u\n", 20_000)] // a run of reference definitions, re-copied after each
    [InlineData("a\n===\n", 20_000)] // setext headings, each removed from the end of a long list of blocks
    public void Markup_too_dense_to_typeset_in_bounded_time_is_shown_as_text(string unit, int times)
    {
        var markdown = Repeat(unit, times);

        var html = renderer.Render(markdown).Html;

        Assert.False(TypesettingBudget.Allows(markdown));
        Assert.StartsWith($"<p class=\"{PlainTextWriteup.NoteClass}\" role=\"note\"><strong>Shown as plain text.</strong> Its markup is too dense", html);
    }

    [Theory]
    [InlineData("brown-2l-induction-and-features")]
    [InlineData("curve-detectors-mnist-cnn")]
    [InlineData("induction-heads-2l-attn-only")]
    [InlineData("toy-models-of-superposition-20-in-5")]
    public void The_archives_own_writeups_are_well_within_the_typesetting_budget(string bundle)
    {
        var markdown = File.ReadAllText(ShippedBundles.File(bundle, "writeup.md"));

        var html = renderer.Render(markdown).Html;

        Assert.True(TypesettingBudget.Allows(markdown));
        Assert.DoesNotContain(PlainTextWriteup.NoteClass, html);
        Assert.Contains("<h2", html);
    }

    [Fact]
    public void A_long_table_with_emphasis_and_links_in_every_row_is_typeset()
    {
        var markdown = "| Head | Role |\n|---|---|\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"| **L{i}** | _previous token_ [ref](/x/{i}) |\n"));

        var html = renderer.Render(markdown).Html;

        Assert.True(TypesettingBudget.Allows(markdown));
        Assert.Equal(500, Count(html, "<strong>"));
        Assert.Equal(500, Count(html, "<em>previous token</em>"));
        Assert.Equal(500, Count(html, ">ref</a>"));
    }

    [Fact]
    public void Equal_headings_get_numbered_ids_in_one_pass()
    {
        var result = renderer.Render("## a\n\n## a\n\n## a-1\n\n## a\n\n## !!!\n\n## \n");

        Assert.Equal(["a", "a-1", "a-1-1", "a-2", "section", "section-1"], result.TableOfContents.Select(h => h.Id));
    }

    [Fact]
    public void Many_equal_headings_keep_unique_ids()
    {
        var result = renderer.Render(Repeat("## Question\n\n", 50_000));

        Assert.Equal(50_000, result.TableOfContents.Select(h => h.Id).Distinct().Count());
        Assert.Equal("question-49999", result.TableOfContents[^1].Id);
    }

    [Theory]
    [InlineData("![chart](https://evil.example/track.png)", "https://evil.example/track.png", "chart")]
    [InlineData("![](//evil.example/track.png)", "//evil.example/track.png", "//evil.example/track.png")]
    [InlineData("![x](/\\evil.example/t.png)", "/%5Cevil.example/t.png", "x")]
    public void An_image_on_another_site_becomes_a_link_to_it(string markdown, string href, string text)
    {
        var html = renderer.Render(markdown).Html;

        Assert.DoesNotContain("<img", html);
        Assert.Contains($"<a href=\"{href}\" rel=\"nofollow ugc noopener\">{text}</a>", html);
    }

    [Fact]
    public void An_image_on_another_site_inside_a_link_becomes_the_links_text()
    {
        var html = renderer.Render("[![build](https://ci.example/badge.svg)](https://ci.example/run)").Html;

        Assert.Equal("<p><a href=\"https://ci.example/run\" rel=\"nofollow ugc noopener\">build</a></p>\n", html);
    }

    [Fact]
    public void Images_from_the_archive_stay_images()
    {
        var html = renderer.Render("![figure](figures/loss.svg) ![abs](/blobs/abc.png)").Html;

        Assert.Contains("<img src=\"figures/loss.svg\" loading=\"lazy\" alt=\"figure\" />", html);
        Assert.Contains("<img src=\"/blobs/abc.png\" loading=\"lazy\" alt=\"abs\" />", html);
    }
}
