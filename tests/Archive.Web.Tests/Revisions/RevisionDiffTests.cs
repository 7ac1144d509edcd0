using System.Text.Json;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Web.Circuits;
using Archive.Web.Revisions;

namespace Archive.Web.Tests.Revisions;

/// <summary>The diff itself, without a database: hunks, node fields, edge weights, claims.</summary>
public sealed class RevisionDiffTests
{
    private static string Lines(int count, Func<int, string>? line = null) =>
        string.Join("\n", Enumerable.Range(1, count).Select(i => line?.Invoke(i) ?? $"line {i}")) + "\n";

    [Fact]
    public void A_changed_line_is_one_hunk_with_three_lines_of_context_not_the_whole_writeup()
    {
        var changes = WriteupDiff.Compare(Lines(20), Lines(20, i => i == 10 ? "line ten" : $"line {i}"));

        var hunk = Assert.Single(changes.Hunks);
        Assert.Equal("@@ -7,7 +7,7 @@", hunk.Header);
        Assert.Equal((1, 1), (changes.LinesAdded, changes.LinesRemoved));
        Assert.Equal(
            [(DiffLineKind.Context, 7, 7), (DiffLineKind.Context, 8, 8), (DiffLineKind.Context, 9, 9),
             (DiffLineKind.Removed, 10, null), (DiffLineKind.Added, null, 10),
             (DiffLineKind.Context, 11, 11), (DiffLineKind.Context, 12, 12), (DiffLineKind.Context, 13, 13)],
            hunk.Lines.Select(l => (l.Kind, l.OldNumber, l.NewNumber)));
        Assert.Equal("line 10", hunk.Lines[3].Text);
        Assert.Equal("line ten", hunk.Lines[4].Text);
    }

    [Fact]
    public void Distant_changes_are_separate_hunks_and_near_ones_share_one()
    {
        var before = Lines(40);
        var distant = WriteupDiff.Compare(before, Lines(40, i => i is 5 or 30 ? $"edited {i}" : $"line {i}"));
        Assert.Equal(["@@ -2,7 +2,7 @@", "@@ -27,7 +27,7 @@"], distant.Hunks.Select(h => h.Header));

        // Six unchanged lines between two changes: their contexts touch, so one hunk.
        var near = WriteupDiff.Compare(before, Lines(40, i => i is 5 or 12 ? $"edited {i}" : $"line {i}"));
        Assert.Equal("@@ -2,14 +2,14 @@", Assert.Single(near.Hunks).Header);
    }

    [Fact]
    public void Inserted_lines_shift_the_new_numbers_and_count_as_additions()
    {
        var after = "line 1\nline 2\nnew a\nnew b\nline 3\n";

        var changes = WriteupDiff.Compare("line 1\nline 2\nline 3\n", after);

        var hunk = Assert.Single(changes.Hunks);
        Assert.Equal("@@ -1,3 +1,5 @@", hunk.Header);
        Assert.Equal((2, 0), (changes.LinesAdded, changes.LinesRemoved));
        Assert.Equal((null, 4), (hunk.Lines[3].OldNumber, hunk.Lines[3].NewNumber));
        Assert.Equal((3, 5), (hunk.Lines[4].OldNumber, hunk.Lines[4].NewNumber));
    }

    [Fact]
    public void A_first_writeup_is_only_additions_and_equal_writeups_have_no_hunks()
    {
        var first = WriteupDiff.Compare("", "# Title\n\nBody\n");
        Assert.Equal("@@ -0,0 +1,3 @@", Assert.Single(first.Hunks).Header);
        Assert.All(first.Hunks[0].Lines, l => Assert.Equal(DiffLineKind.Added, l.Kind));

        Assert.True(WriteupDiff.Compare("same\r\ntext\r\n", "same\ntext\n").IsEmpty);
        // Markdown indentation is meaningful (a code block), so whitespace is not ignored.
        Assert.False(WriteupDiff.Compare("code\n", "    code\n").IsEmpty);
    }

    [Fact]
    public void Nodes_are_matched_by_key_and_name_the_fields_that_changed()
    {
        var before = Circuit(nodes: [Head("L0H1", 0, 1, "Previous-token head"), Head("L1H4", 1, 4, "Induction head"), Head("L1H2", 1, 2, "Gone")]);
        var after = Circuit(nodes:
        [
            Head("L0H1", 0, 1, "Previous-token head"),
            Head("L1H4", 1, 5, "Induction head 1.5") with { Activation = 0.5, DictionarySlug = "attn-sae" },
            Head("L1H6", 1, 6, "New"),
        ]);

        var result = RevisionDiff.Compare(Snapshot(circuits: [before]), Snapshot(circuits: [after]));

        var circuit = Assert.Single(result.Circuits);
        Assert.Equal(ChangeKind.Changed, circuit.Change);
        Assert.Equal(
            [("L1H2", ChangeKind.Removed), ("L1H4", ChangeKind.Changed), ("L1H6", ChangeKind.Added)],
            circuit.Nodes.Select(n => (n.Key, n.Change)));
        var changed = circuit.Nodes.Single(n => n.Change == ChangeKind.Changed);
        Assert.Equal(
            [new FieldChange("head", "4", "5"), new FieldChange("label", "Induction head", "Induction head 1.5"),
             new FieldChange("activation", null, "0.5"), new FieldChange("feature_dictionary", null, "attn-sae")],
            changed.Fields);
        Assert.Equal(new ChangeCounts(1, 1, 1), result.Summary.Nodes);
    }

    [Fact]
    public void Edges_are_matched_by_ends_and_kind_and_report_weight_changes()
    {
        var nodes = new[] { Head("a", 0, 0, "a"), Head("b", 1, 0, "b") };
        var before = Circuit(nodes, [new CircuitDiagramEdge("a", "b", 0.31, CircuitEdgeKind.K), new CircuitDiagramEdge("a", "b", 0.1, CircuitEdgeKind.V)]);
        var after = Circuit(nodes, [new CircuitDiagramEdge("a", "b", 0.45, CircuitEdgeKind.K), new CircuitDiagramEdge("a", "b", 0.2, CircuitEdgeKind.Q)]);

        var result = RevisionDiff.Compare(Snapshot(circuits: [before]), Snapshot(circuits: [after]));

        Assert.Equal(
            [new EdgeChange("a", "b", "q", ChangeKind.Added, null, 0.2),
             new EdgeChange("a", "b", "k", ChangeKind.Changed, 0.31, 0.45),
             new EdgeChange("a", "b", "v", ChangeKind.Removed, 0.1, null)],
            Assert.Single(result.Circuits).Edges);
        Assert.Empty(Assert.Single(result.Circuits).Nodes);
    }

    [Fact]
    public void Circuits_are_matched_by_slug_and_unchanged_ones_are_left_out()
    {
        var kept = Circuit(slug: "kept", nodes: [Head("a", 0, 0, "a")]);
        var result = RevisionDiff.Compare(
            Snapshot(circuits: [kept, Circuit(slug: "old", nodes: [Head("a", 0, 0, "a")])]),
            Snapshot(circuits: [Circuit(slug: "new", nodes: []), kept]));

        Assert.Equal([("new", ChangeKind.Added), ("old", ChangeKind.Removed)], result.Circuits.Select(c => (c.Slug, c.Change)));
        Assert.Equal(1, result.Circuits.Single(c => c.Slug == "old").NodeCount);
        Assert.Equal(new ChangeCounts(1, 1, 0), result.Summary.Circuits);
        Assert.Equal(0, result.Summary.Nodes.Total);
    }

    [Fact]
    public void Claim_parameters_compare_as_json_values_not_text()
    {
        var before = NewClaim("induction", """{"a":1,"b":2}""");

        var reordered = RevisionDiff.Compare(Snapshot(claims: [before]), Snapshot(claims: [NewClaim("induction", """{ "b": 2, "a": 1.0 }""")]));
        Assert.Empty(reordered.Claims);
        Assert.True(reordered.Summary.IsEmpty);

        var changed = RevisionDiff.Compare(Snapshot(claims: [before]), Snapshot(claims: [NewClaim("induction", """{"a":1,"b":3}""")]));
        var field = Assert.Single(Assert.Single(changed.Claims).Fields);
        Assert.Equal(("parameters", """{"a":1,"b":2}""", """{"a":1,"b":3}"""), (field.Field, field.Before, field.After));
    }

    [Fact]
    public void Claims_are_matched_by_key_and_name_the_fields_that_changed()
    {
        var before = NewClaim("induction") with { Targets = ["L1H4"], Expected = 0.6, Tolerance = 0.02 };
        var after = NewClaim("induction") with { Targets = ["L1H4", "L1H5"], Comparison = ClaimComparison.Between, Expected = 0.5, ExpectedUpper = 0.9, Statement = "Now a range" };

        var result = RevisionDiff.Compare(Snapshot(claims: [before, NewClaim("dropped")]), Snapshot(claims: [NewClaim("added"), after]));

        Assert.Equal(
            [("added", ChangeKind.Added), ("induction", ChangeKind.Changed), ("dropped", ChangeKind.Removed)],
            result.Claims.Select(c => (c.Key, c.Change)));
        var changed = result.Claims.Single(c => c.Key == "induction");
        Assert.Equal("Now a range", changed.Statement);
        Assert.Equal(
            [new FieldChange("statement", "Claim induction", "Now a range"), new FieldChange("targets", "L1H4", "L1H4, L1H5"),
             new FieldChange("comparison", "AtLeast", "Between"), new FieldChange("expected", "0.6", "0.5"),
             new FieldChange("expected_upper", null, "0.9"), new FieldChange("tolerance", "0.02", "0.05")],
            changed.Fields);
        Assert.Equal(new ChangeCounts(1, 1, 1), result.Summary.Claims);
    }

    private static RevisionSnapshot Snapshot(string writeup = "", IReadOnlyList<CircuitDiagramData>? circuits = null, IReadOnlyList<ClaimSnapshot>? claims = null) =>
        new(writeup, circuits ?? [], claims ?? []);

    private static CircuitDiagramData Circuit(IReadOnlyList<CircuitDiagramNode> nodes, IReadOnlyList<CircuitDiagramEdge>? edges = null, string slug = "induction") =>
        new(slug, "Induction circuit", "", null, null, nodes, edges ?? []);

    private static CircuitDiagramNode Head(string key, int layer, int head, string label) =>
        new(key, CircuitNodeKind.AttnHead, layer, head, null, null, label, "");

    private static ClaimSnapshot NewClaim(string key, string parameters = "{}") =>
        new(key, $"Claim {key}", "induction_score", ["L1H4"], JsonDocument.Parse(parameters).RootElement.Clone(), ClaimComparison.AtLeast, 0.6, null, 0.05);
}
