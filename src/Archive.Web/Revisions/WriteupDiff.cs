using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Archive.Web.Revisions;

/// <summary>Line diff of two writeups with DiffPlex, cut into hunks so a one-line fix shows as one line, not the document.</summary>
public static class WriteupDiff
{
    /// <summary>Unchanged lines shown either side of a change, as <c>git diff</c> shows.</summary>
    public const int DefaultContext = 3;

    public static WriteupChanges Compare(string before, string after, int context = DefaultContext)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        // Whitespace is kept: in Markdown indentation makes code blocks and list nesting, trailing spaces make line breaks.
        var model = InlineDiffBuilder.Diff(before, after, ignoreWhiteSpace: false, ignoreCase: false, chunker: WriteupLines.Instance);
        var lines = Number(model.Lines);
        var hunks = Hunks(lines, context);
        return new WriteupChanges(lines.Count(l => l.Kind == DiffLineKind.Added), lines.Count(l => l.Kind == DiffLineKind.Removed), hunks);
    }

    /// <summary>
    /// Gives every line its old and new number. The inline builder numbers only the new side (a deleted line has no
    /// position), so both are counted here: a context line advances both, a removed one the old, an added one the new.
    /// </summary>
    private static List<DiffLine> Number(IEnumerable<DiffPiece> pieces)
    {
        var lines = new List<DiffLine>();
        int oldNumber = 0, newNumber = 0;
        foreach (var piece in pieces)
        {
            switch (piece.Type)
            {
                case ChangeType.Unchanged:
                    lines.Add(new DiffLine(DiffLineKind.Context, ++oldNumber, ++newNumber, piece.Text));
                    break;
                case ChangeType.Deleted:
                    lines.Add(new DiffLine(DiffLineKind.Removed, ++oldNumber, null, piece.Text));
                    break;
                case ChangeType.Inserted:
                    lines.Add(new DiffLine(DiffLineKind.Added, null, ++newNumber, piece.Text));
                    break;
                default:
                    // Imaginary and Modified pieces come only from the side-by-side builder.
                    throw new InvalidOperationException($"Unexpected inline diff piece {piece.Type}.");
            }
        }
        return lines;
    }

    /// <summary>
    /// Marks each change and <paramref name="context"/> lines either side as shown; each run of shown lines is a hunk.
    /// Changes whose context touches or overlaps thus share one hunk, as in <c>git diff</c>.
    /// </summary>
    private static List<DiffHunk> Hunks(List<DiffLine> lines, int context)
    {
        var shown = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind == DiffLineKind.Context) continue;
            for (var j = Math.Max(0, i - context); j <= Math.Min(lines.Count - 1, i + context); j++) shown[j] = true;
        }

        var hunks = new List<DiffHunk>();
        int oldBefore = 0, newBefore = 0;
        for (var start = 0; start < lines.Count;)
        {
            if (!shown[start])
            {
                if (lines[start].OldNumber is not null) oldBefore++;
                if (lines[start].NewNumber is not null) newBefore++;
                start++;
                continue;
            }
            var end = start;
            while (end < lines.Count && shown[end]) end++;
            var run = lines.GetRange(start, end - start);
            var oldCount = run.Count(l => l.OldNumber is not null);
            var newCount = run.Count(l => l.NewNumber is not null);
            hunks.Add(new DiffHunk(oldCount == 0 ? oldBefore : oldBefore + 1, oldCount, newCount == 0 ? newBefore : newBefore + 1, newCount, run));
            oldBefore += oldCount;
            newBefore += newCount;
            start = end;
        }
        return hunks;
    }
}
