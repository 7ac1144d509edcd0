namespace Archive.Web.Revisions;

/// <summary>
/// What changed between two revisions of a specimen: the writeup line by line, circuits, nodes, edges and claims.
/// Pure: the caller reads both revisions (<see cref="RevisionComparisonQuery"/>), so this is tested without a database.
/// </summary>
public static class RevisionDiff
{
    public static RevisionDiffResult Compare(RevisionSnapshot before, RevisionSnapshot after, int context = WriteupDiff.DefaultContext)
    {
        var writeup = WriteupDiff.Compare(before.WriteupMarkdown, after.WriteupMarkdown, context);
        var circuits = CircuitDiff.Compare(before.Circuits, after.Circuits);
        var claims = ClaimDiff.Compare(before.Claims, after.Claims);
        var summary = new DiffSummary(
            writeup.LinesAdded,
            writeup.LinesRemoved,
            ChangeCounts.Of(circuits.Select(c => c.Change)),
            ChangeCounts.Of(circuits.SelectMany(c => c.Nodes).Select(n => n.Change)),
            ChangeCounts.Of(circuits.SelectMany(c => c.Edges).Select(e => e.Change)),
            ChangeCounts.Of(claims.Select(c => c.Change)));
        return new RevisionDiffResult(summary, writeup, circuits, claims);
    }
}
