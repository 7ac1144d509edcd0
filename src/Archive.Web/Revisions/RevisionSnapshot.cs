using System.Text.Json;
using Archive.Data.Claims;
using Archive.Web.Circuits;

namespace Archive.Web.Revisions;

/// <summary>
/// What a diff compares of one revision: its writeup, its circuits (as the specimen page reads them, so both share one
/// query) and its claims with their parameters.
/// </summary>
public sealed record RevisionSnapshot(
    string WriteupMarkdown,
    IReadOnlyList<CircuitDiagramData> Circuits,
    IReadOnlyList<ClaimSnapshot> Claims);

/// <summary>A claim's definition: what would change its verdict, not its evidence runs (those belong to the claim row).</summary>
public sealed record ClaimSnapshot(
    string Key,
    string Statement,
    string Method,
    IReadOnlyList<string> Targets,
    JsonElement Parameters,
    ClaimComparison Comparison,
    double Expected,
    double? ExpectedUpper,
    double Tolerance);
