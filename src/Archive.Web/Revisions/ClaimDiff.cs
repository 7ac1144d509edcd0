namespace Archive.Web.Revisions;

/// <summary>Claims matched by key, which stays the same across a specimen's revisions.</summary>
internal static class ClaimDiff
{
    public static List<ClaimChange> Compare(IReadOnlyList<ClaimSnapshot> before, IReadOnlyList<ClaimSnapshot> after)
    {
        var unmatched = before.ToDictionary(c => c.Key, StringComparer.Ordinal);
        var changes = new List<ClaimChange>();
        foreach (var claim in after)
        {
            if (!unmatched.Remove(claim.Key, out var previous)) changes.Add(new ClaimChange(claim.Key, claim.Statement, ChangeKind.Added, []));
            else if (Fields(previous, claim) is { Count: > 0 } fields) changes.Add(new ClaimChange(claim.Key, claim.Statement, ChangeKind.Changed, fields));
        }
        changes.AddRange(before.Where(c => unmatched.ContainsKey(c.Key)).Select(c => new ClaimChange(c.Key, c.Statement, ChangeKind.Removed, [])));
        return changes;
    }

    private static IReadOnlyList<FieldChange> Fields(ClaimSnapshot was, ClaimSnapshot @is) => new FieldChanges()
        .Compare("statement", was.Statement, @is.Statement)
        .Compare("method", was.Method, @is.Method)
        .Compare("targets", was.Targets, @is.Targets)
        .Compare("parameters", was.Parameters, @is.Parameters)
        .Compare("comparison", was.Comparison.ToString(), @is.Comparison.ToString())
        .Compare("expected", was.Expected, @is.Expected)
        .Compare("expected_upper", was.ExpectedUpper, @is.ExpectedUpper)
        .Compare("tolerance", was.Tolerance, @is.Tolerance)
        .ToList();
}
