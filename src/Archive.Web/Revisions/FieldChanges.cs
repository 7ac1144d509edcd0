using System.Globalization;
using System.Text.Json;

namespace Archive.Web.Revisions;

/// <summary>Collects the fields that differ between two versions of one node or claim, each with both values as text.</summary>
internal sealed class FieldChanges
{
    private readonly List<FieldChange> changes = [];

    public FieldChanges Compare(string field, string? before, string? after)
    {
        if (!string.Equals(before, after, StringComparison.Ordinal)) changes.Add(new FieldChange(field, before, after));
        return this;
    }

    /// <summary>Numbers compare by value (so NaN equals NaN, as a stored NaN is unchanged) and print round-trippably.</summary>
    public FieldChanges Compare(string field, double? before, double? after)
    {
        if (!Nullable.Equals(before, after)) changes.Add(new FieldChange(field, Text(before), Text(after)));
        return this;
    }

    public FieldChanges Compare(string field, int? before, int? after)
    {
        if (before != after) changes.Add(new FieldChange(field, Text(before), Text(after)));
        return this;
    }

    /// <summary>Order matters: a composition claim's targets are source then destination.</summary>
    public FieldChanges Compare(string field, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        if (!before.SequenceEqual(after, StringComparer.Ordinal)) changes.Add(new FieldChange(field, string.Join(", ", before), string.Join(", ", after)));
        return this;
    }

    /// <summary>
    /// JSON compares by meaning, not text: PostgreSQL's jsonb reorders keys and spaces, and a bundle may write
    /// <c>1.0</c> where the last one wrote <c>1</c>; neither changes what the worker runs.
    /// </summary>
    public FieldChanges Compare(string field, JsonElement before, JsonElement after)
    {
        if (!JsonElement.DeepEquals(before, after)) changes.Add(new FieldChange(field, before.GetRawText(), after.GetRawText()));
        return this;
    }

    public IReadOnlyList<FieldChange> ToList() => changes;

    private static string? Text(double? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
