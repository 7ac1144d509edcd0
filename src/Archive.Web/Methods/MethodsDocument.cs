using Archive.Formats.Claims;
using Archive.Web.Markdown;

namespace Archive.Web.Methods;

/// <summary>
/// The archive's account of its evidence methods: <c>docs/evidence-methods.md</c>, one text for readers of the repository
/// and of the site. The build copies it beside the application (Archive.Web.csproj), so the page shows the document the
/// running code was built with; it never changes while the process runs, so it is read and rendered once.
/// </summary>
public sealed class MethodsDocument(MarkdownRenderer markdown)
{
    /// <summary>Where the build puts the document, relative to the application's directory.</summary>
    public const string RelativePath = "docs/evidence-methods.md";

    private readonly Lazy<(string Title, RenderedMarkdown Body)> rendered = new(() => Render(markdown, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, RelativePath))));

    /// <summary>The document's own title, its first line (<c># Evidence methods</c>).</summary>
    public string Title => rendered.Value.Title;

    /// <summary>Everything after the title, rendered; each method's section has the method's name as its anchor.</summary>
    public RenderedMarkdown Body => rendered.Value.Body;

    /// <summary>
    /// The page shows the title as its own heading, so it is taken off the text: the sections then stay level-2 headings
    /// (the renderer would otherwise shift the whole document down a level under a level-1 title).
    /// </summary>
    internal static (string Title, RenderedMarkdown Body) Render(MarkdownRenderer markdown, string text)
    {
        var trimmed = text.TrimStart();
        var newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        var first = (newline < 0 ? trimmed : trimmed[..newline]).TrimEnd();
        return first.StartsWith("# ", StringComparison.Ordinal)
            ? (first[2..].Trim(), markdown.Render(newline < 0 ? "" : trimmed[(newline + 1)..]))
            : ("Evidence methods", markdown.Render(text));
    }

    /// <summary>
    /// The section about <paramref name="method"/>: its heading's id is the method's name, as GitHub and the archive's
    /// renderer both derive it. A method the archive does not know (a claim from before a rename) gets the page itself.
    /// </summary>
    public static string Link(string method) => ClaimMethods.Find(method) is null ? "/methods" : $"/methods#{method}";
}
