using Archive.Data.Accounts;
using Archive.Data.Specimens;

namespace Archive.Data.Reviews;

/// <summary>
/// One step of a specimen's review, kept for the record: an author asking for review, a comment (on the submission or
/// on a line of the writeup), a reviewer's decision. Rows are only ever added.
/// </summary>
public sealed class ReviewEvent
{
    public long Id { get; set; }
    public int SpecimenId { get; set; }
    public Specimen Specimen { get; set; } = null!;
    /// <summary>The revision the step is about (the specimen's current one at the time).</summary>
    public int RevisionNumber { get; set; }
    public int? ActorId { get; set; }
    public User? Actor { get; set; }
    public ReviewAction Action { get; set; }
    /// <summary>The comment or the reason; required for requested changes, rejections and retractions.</summary>
    public string Body { get; set; } = "";
    /// <summary>For a comment on the writeup: its 1-based line in that revision's Markdown.</summary>
    public int? WriteupLine { get; set; }
    public SpecimenStatus StatusAfter { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum ReviewAction
{
    SubmittedForReview,
    Commented,
    ChangesRequested,
    Rejected,
    Published,
    Retracted,
}
