using Archive.Data.Specimens;

namespace Archive.Data.Reviews;

/// <summary>Who is acting on a specimen: whether they submitted it, and whether they review.</summary>
public sealed record ReviewActor(int UserId, bool IsAuthor, bool IsReviewer);

/// <summary>
/// The review rule, written once (the API and the specimen page both call it): which step each person may take from
/// each status, and where it leads.
/// <code>
/// Draft ──author: submit──▶ InReview ──reviewer: publish──▶ Published ──reviewer: retract──▶ Retracted
///   ▲                          │ reviewer: request changes ─▶ Draft
///   └──────────────────────────┘ reviewer: reject ─────────▶ Rejected
/// </code>
/// Comments change nothing and are open to the author and reviewers at any status. A reviewer does not review their own
/// specimen. Publishing makes the current revision the published one; revisions are immutable rows already.
/// A published specimen's proposed next revision goes through the same steps (its <c>ProposalStatus</c> in place of the
/// status; <see cref="ActsOnProposal"/>), and publishing it makes it the current revision while the specimen stays
/// published; retraction is of the specimen.
/// </summary>
public static class ReviewWorkflow
{
    public const int MaxBodyLength = 10_000;

    /// <summary>The status the step leads to, or why it is not allowed.</summary>
    public static (SpecimenStatus? Next, string? Refusal) Decide(SpecimenStatus status, ReviewAction action, ReviewActor actor, string body)
    {
        if (body.Length > MaxBodyLength) return (null, $"The text is over {MaxBodyLength:N0} characters.");
        var needsReason = action is ReviewAction.ChangesRequested or ReviewAction.Rejected or ReviewAction.Retracted;
        if (needsReason && string.IsNullOrWhiteSpace(body)) return (null, "Say why: the author and readers see the reason.");
        if (action == ReviewAction.Commented && string.IsNullOrWhiteSpace(body)) return (null, "The comment is empty.");

        return action switch
        {
            ReviewAction.Commented when actor.IsAuthor || actor.IsReviewer => (status, null),
            ReviewAction.SubmittedForReview when !actor.IsAuthor => (null, "Only the specimen's submitter asks for review."),
            ReviewAction.SubmittedForReview when status == SpecimenStatus.Draft => (SpecimenStatus.InReview, null),
            ReviewAction.SubmittedForReview => (null, $"A specimen that is {status} cannot be submitted for review."),
            _ when !actor.IsReviewer => (null, "Only reviewers take this step."),
            _ when actor.IsAuthor => (null, "Reviewers do not review their own specimens."),
            ReviewAction.Published or ReviewAction.ChangesRequested or ReviewAction.Rejected when status != SpecimenStatus.InReview =>
                (null, $"Only a specimen in review can be {Past(action)}; this one is {status}."),
            ReviewAction.Published => (SpecimenStatus.Published, null),
            ReviewAction.ChangesRequested => (SpecimenStatus.Draft, null),
            ReviewAction.Rejected => (SpecimenStatus.Rejected, null),
            ReviewAction.Retracted when status == SpecimenStatus.Published => (SpecimenStatus.Retracted, null),
            ReviewAction.Retracted => (null, $"Only a published specimen can be retracted; this one is {status}."),
            _ => (null, "Not allowed."),
        };
    }

    /// <summary>Whether <paramref name="action"/> on a specimen in <paramref name="status"/> is a step of its proposal.</summary>
    public static bool ActsOnProposal(SpecimenStatus status, SpecimenStatus? proposalStatus, ReviewAction action) =>
        status == SpecimenStatus.Published && proposalStatus is not null
        && action is ReviewAction.SubmittedForReview or ReviewAction.Published or ReviewAction.ChangesRequested or ReviewAction.Rejected or ReviewAction.Commented;

    private static string Past(ReviewAction action) => action switch
    {
        ReviewAction.Published => "published",
        ReviewAction.ChangesRequested => "sent back for changes",
        _ => "rejected",
    };
}
