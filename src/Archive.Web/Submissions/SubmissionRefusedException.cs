namespace Archive.Web.Submissions;

/// <summary>Why a submission was refused: becomes a ProblemDetails (400, 413 or 409) naming every fault found.</summary>
public sealed class SubmissionRefusedException(int status, string title, IReadOnlyList<string> faults) : Exception(string.Join(" | ", faults))
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public IReadOnlyList<string> Faults { get; } = faults;

    public static SubmissionRefusedException Invalid(params string[] faults) => new(StatusCodes.Status400BadRequest, "Invalid submission", faults);
}
