namespace Archive.Web.Revisions;

/// <summary>What changed from one revision to another: the API's body and the diff page's model.</summary>
public sealed record RevisionDiffResult(
    DiffSummary Summary,
    WriteupChanges Writeup,
    IReadOnlyList<CircuitChange> Circuits,
    IReadOnlyList<ClaimChange> Claims);

public enum ChangeKind
{
    Added,
    Removed,
    Changed,
}

public sealed record ChangeCounts(int Added, int Removed, int Changed)
{
    public int Total => Added + Removed + Changed;

    public static ChangeCounts Of(IEnumerable<ChangeKind> changes)
    {
        int added = 0, removed = 0, changed = 0;
        foreach (var change in changes)
        {
            switch (change)
            {
                case ChangeKind.Added: added++; break;
                case ChangeKind.Removed: removed++; break;
                default: changed++; break;
            }
        }
        return new ChangeCounts(added, removed, changed);
    }
}

/// <summary>
/// Counts for the page's summary line. Nodes and edges are counted within circuits present in both revisions: an added
/// or removed circuit counts once, under <see cref="Circuits"/>, however large its graph.
/// </summary>
public sealed record DiffSummary(int LinesAdded, int LinesRemoved, ChangeCounts Circuits, ChangeCounts Nodes, ChangeCounts Edges, ChangeCounts Claims)
{
    public bool IsEmpty => LinesAdded + LinesRemoved + Circuits.Total + Claims.Total == 0;
}

/// <summary>One field that differs, both values as the archive writes them (invariant numbers, kinds by their JSON names).</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>
/// A circuit matched by slug. For a changed one, <see cref="Fields"/>, <see cref="Nodes"/> and <see cref="Edges"/> say
/// what differs; an added or removed one lists no nodes or edges (its sizes say how big it is), because an attribution
/// graph can hold thousands of them and the revision's own page shows them all.
/// </summary>
public sealed record CircuitChange(
    string Slug,
    string Title,
    ChangeKind Change,
    int NodeCount,
    int EdgeCount,
    IReadOnlyList<FieldChange> Fields,
    IReadOnlyList<NodeChange> Nodes,
    IReadOnlyList<EdgeChange> Edges);

/// <summary>A node matched by key; <see cref="Fields"/> is empty unless it changed.</summary>
public sealed record NodeChange(string Key, string Label, ChangeKind Change, IReadOnlyList<FieldChange> Fields);

/// <summary>An edge matched by source, target and kind (its name in circuit JSON: <c>k</c>, <c>residual</c>); only the weight can change.</summary>
public sealed record EdgeChange(string Source, string Target, string Kind, ChangeKind Change, double? WeightBefore, double? WeightAfter);

/// <summary>A claim matched by key (stable across revisions); <see cref="Statement"/> is the newer one when both exist.</summary>
public sealed record ClaimChange(string Key, string Statement, ChangeKind Change, IReadOnlyList<FieldChange> Fields);
