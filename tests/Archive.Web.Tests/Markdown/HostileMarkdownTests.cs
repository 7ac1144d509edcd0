using System.Net;
using System.Text.RegularExpressions;
using Archive.Web.Markdown;

namespace Archive.Web.Tests.Markdown;

/// <summary>
/// Every hostile writeup renders, and what it renders is only the markup a writeup may have: an allow-list of elements
/// and attributes, no event handlers, links only to http(s), mailto or this site, images only from this site or data:image.
/// </summary>
public sealed partial class HostileMarkdownTests
{
    private static readonly HashSet<string> s_elements =
    [
        "p", "a", "img", "em", "strong", "code", "pre", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
        "table", "thead", "tbody", "tr", "th", "td", "span", "div", "hr", "br", "sup", "input",
    ];

    private static readonly HashSet<string> s_attributes =
    [
        "href", "src", "alt", "title", "id", "class", "rel", "loading", "style", "aria-label", "type", "disabled", "checked", "start", "role",
    ];

    private readonly MarkdownRenderer renderer = new();

    [Theory]
    [MemberData(nameof(HostileWriteups.Names), MemberType = typeof(HostileWriteups))]
    public void A_hostile_writeup_renders_only_allowed_markup(string name)
    {
        var html = renderer.Render(HostileWriteups.All[name]).Html;

        Assert.NotEmpty(html);
        AssertOnlyAllowedMarkup(html);
    }

    [Fact]
    public void Payloads_in_text_stay_text()
    {
        var html = renderer.Render(HostileWriteups.All["script-tags"]).Html;

        Assert.Contains("&lt;script&gt;window.__pwned = 'script'; alert(1)&lt;/script&gt;", html);
    }

    /// <summary>Fails on any element, attribute or URL a writeup may not produce.</summary>
    internal static void AssertOnlyAllowedMarkup(string html)
    {
        foreach (Match tag in Tag().Matches(html))
        {
            var element = tag.Groups["name"].Value.ToLowerInvariant();
            Assert.True(s_elements.Contains(element), $"<{element}> in {tag.Value}");
            foreach (Match attribute in Attribute().Matches(tag.Groups["attributes"].Value))
            {
                var name = attribute.Groups["name"].Value.ToLowerInvariant();
                var value = WebUtility.HtmlDecode(attribute.Groups["value"].Value);
                Assert.True(s_attributes.Contains(name), $"attribute {name} in {tag.Value}");
                switch (name)
                {
                    case "href":
                        Assert.True(IsLinkable(value), $"href {value}");
                        break;
                    case "src":
                        Assert.True(IsFromThisSite(value), $"src {value}");
                        break;
                    case "style":
                        Assert.Matches("^text-align: (left|right|center);$", value);
                        break;
                    case "type":
                        Assert.Equal("checkbox", value);
                        break;
                }
            }
        }
    }

    /// <summary>What a browser would take the scheme to be: ASCII whitespace and controls are ignored, "\" is "/".</summary>
    private static string? SchemeOf(string url, out string compact)
    {
        compact = new string([.. url.Where(c => c > ' ' && c != '\u007f')]).Replace('\\', '/');
        var scheme = Scheme().Match(compact);
        return scheme.Success ? scheme.Groups[1].Value.ToLowerInvariant() : null;
    }

    private static bool IsLinkable(string url) => SchemeOf(url, out _) is null or "http" or "https" or "mailto";

    private static bool IsFromThisSite(string url) => SchemeOf(url, out var compact) switch
    {
        null => !compact.StartsWith("//", StringComparison.Ordinal),
        "data" => compact.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    [GeneratedRegex("<(?<name>[a-zA-Z][a-zA-Z0-9]*)(?<attributes>[^>]*)>")]
    private static partial Regex Tag();

    [GeneratedRegex("""\s(?<name>[^\s=/>]+)(?:="(?<value>[^"]*)")?""")]
    private static partial Regex Attribute();

    [GeneratedRegex("^([a-zA-Z][a-zA-Z0-9+.-]*):")]
    private static partial Regex Scheme();
}
