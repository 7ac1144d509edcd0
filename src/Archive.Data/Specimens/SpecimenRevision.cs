using Archive.Data.Circuits;
using Archive.Data.Claims;

namespace Archive.Data.Specimens;

/// <summary>
/// A frozen version of a specimen's writeup, circuits and claims. Rows are never updated: the database rejects
/// UPDATE on this table, on circuits and on claims (see the migration's triggers). A change is a new revision.
/// </summary>
public sealed class SpecimenRevision
{
    public int Id { get; set; }
    public int SpecimenId { get; set; }
    public Specimen Specimen { get; set; } = null!;
    /// <summary>1, 2, 3 ... within the specimen; permalinks are <c>/specimens/{slug}/revisions/{number}</c>.</summary>
    public int Number { get; set; }
    public required string WriteupMarkdown { get; set; }
    /// <summary>What changed, like a commit message.</summary>
    public required string Message { get; set; }
    public string? CreatedBy { get; set; }
    /// <summary>sha256 of the bundle content (writeup, circuits, claims) this revision was imported from; an import
    /// whose content hashes the same adds no revision.</summary>
    public string? SourceHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<Circuit> Circuits { get; set; } = [];
    public List<Claim> Claims { get; set; } = [];
}
