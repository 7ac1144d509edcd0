namespace Archive.Web.Revisions;

/// <summary>The writeup's line diff, as hunks with a few lines of context around each change (like <c>git diff</c>).</summary>
public sealed record WriteupChanges(int LinesAdded, int LinesRemoved, IReadOnlyList<DiffHunk> Hunks)
{
    public bool IsEmpty => Hunks.Count == 0;
}

/// <summary>
/// A run of changed lines with their context. Starts are 1-based; a side with no lines in the hunk starts at the line
/// before it (0 for the top), as unified diffs write it.
/// </summary>
public sealed record DiffHunk(int OldStart, int OldCount, int NewStart, int NewCount, IReadOnlyList<DiffLine> Lines)
{
    public string Header => $"@@ -{OldStart},{OldCount} +{NewStart},{NewCount} @@";
}

public enum DiffLineKind
{
    Context,
    Added,
    Removed,
}

/// <summary>A line of a hunk with its number in the older revision, the newer, or both (context).</summary>
public sealed record DiffLine(DiffLineKind Kind, int? OldNumber, int? NewNumber, string Text);
