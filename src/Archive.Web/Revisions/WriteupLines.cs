using DiffPlex;

namespace Archive.Web.Revisions;

/// <summary>
/// Splits a writeup into lines for DiffPlex. DiffPlex's own line chunker turns the final newline into an extra empty
/// line and an empty writeup into one empty line; here a final newline only ends the last line and an empty writeup
/// has no lines, so line numbers match an editor's and adding a first writeup shows only additions.
/// </summary>
internal sealed class WriteupLines : IChunker
{
    public static readonly WriteupLines Instance = new();

    public IReadOnlyList<string> Chunk(string str)
    {
        if (str.Length == 0) return [];
        // CommonMark's line endings only (not ReplaceLineEndings, which would also split at form feeds and U+2028).
        var text = str.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (text.EndsWith('\n')) text = text[..^1];
        return text.Split('\n');
    }
}
