using System.Linq.Expressions;
using System.Text.Json;
using Archive.Data.Claims;

namespace Archive.Data.Evidence;

/// <summary>
/// One re-run of a claim's evidence by the worker (section 8 of the evidence methods): the exact inputs, every number,
/// the verdict with the tolerance used, artifacts and provenance. Inserted as <see cref="EvidenceStatus.Queued"/> (at
/// most one queued-or-running run per claim, by a partial unique index), leased by one worker at a time, finished once;
/// every lease is an <see cref="EvidenceRunAttempt"/>.
/// </summary>
public sealed class EvidenceRun
{
    public Guid Id { get; set; }
    public int ClaimId { get; set; }
    public Claim Claim { get; set; } = null!;
    public EvidenceStatus Status { get; set; }
    public EvidenceVerdict? Verdict { get; set; }
    /// <summary>The number compared with the claim's expectation.</summary>
    public double? HeadlineValue { get; set; }
    /// <summary>Parameters as run (seed, batch, lengths, components, ablation kind).</summary>
    public JsonDocument? Parameters { get; set; }
    /// <summary>Exact inputs: token ids, or a content hash plus the generator and seed for large sets.</summary>
    public JsonDocument? Inputs { get; set; }
    /// <summary>Every computed number, per head and per component.</summary>
    public JsonDocument? Numbers { get; set; }
    /// <summary>Heatmaps, histograms and raw arrays, as JSON arrays the pages draw.</summary>
    public JsonDocument? Artifacts { get; set; }
    /// <summary>Model sha256, engine and libtorch versions, device, application version.</summary>
    public JsonDocument? Provenance { get; set; }
    public string? Error { get; set; }
    public string? RequestedBy { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>A person's request goes before bulk re-checks (imports, "re-check all").</summary>
    public EvidencePriority Priority { get; set; }
    /// <summary>Leases taken so far (the attempt records say by whom and how each ended).</summary>
    public int Attempts { get; set; }
    /// <summary>The worker holding the run while it is <see cref="EvidenceStatus.Running"/>; the runner's final write is
    /// conditional on it, so a worker whose lease lapsed cannot overwrite the run that another worker took over.</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>Renewed by the holder's heartbeat; past it, any worker may take the run.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>After a failure, the run waits in the queue until then (exponential backoff).</summary>
    public DateTimeOffset? NotBefore { get; set; }
    /// <summary>Set when someone cancels a running run; its worker stops at its next heartbeat.</summary>
    public DateTimeOffset? CancelRequestedAt { get; set; }
    public List<EvidenceRunAttempt> AttemptRecords { get; set; } = [];
    /// <summary>What the worker is doing now (<see cref="EvidencePhases"/>), while the run is running.</summary>
    public string? Phase { get; set; }
    /// <summary>The phase's place among the run's steps: step <see cref="Step"/> of <see cref="StepCount"/>.</summary>
    public int? Step { get; set; }
    public int? StepCount { get; set; }
    /// <summary>This run's headline minus the previous successful run's, for the same claim; null for a first run.</summary>
    public double? HeadlineChange { get; set; }
    /// <summary>The headline moved by more than the claim's tolerance since the previous run: the model, the data or the
    /// code changed something the claim depends on.</summary>
    public bool Drifted { get; set; }
    /// <summary>The model or dictionary file this run used has since been replaced; true until the claim is re-run.</summary>
    public bool Stale { get; set; }

    /// <summary>Queued or running: the one definition of "pending", for queries and for code.</summary>
    public static readonly Expression<Func<EvidenceRun, bool>> IsPending = r => r.Status == EvidenceStatus.Queued || r.Status == EvidenceStatus.Running;

    public static bool IsPendingStatus(EvidenceStatus status) => status is EvidenceStatus.Queued or EvidenceStatus.Running;

    /// <summary>
    /// A queued run's place in the queue (1 = next; null unless queued), usable inside any query. It is the SQL function
    /// <c>evidence_queue_position</c> (migration EvidenceQueuePosition), which counts the queued runs the worker's lease
    /// query (<c>ORDER BY priority, requested_at</c>) takes before or with this one: the ordering is written in SQL
    /// beside the lease query's, not again in each page and endpoint.
    /// </summary>
    public static int? QueuePosition(Guid runId) => throw new NotSupportedException("EvidenceRun.QueuePosition runs inside a database query only.");
}

/// <summary>One worker's lease on a run: who, when, and how it ended.</summary>
public sealed class EvidenceRunAttempt
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public int Number { get; set; }
    public required string Worker { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary>Null while the attempt is in progress.</summary>
    public EvidenceAttemptOutcome? Outcome { get; set; }
    public string? Error { get; set; }
}

public enum EvidenceAttemptOutcome
{
    /// <summary>The method ran and the record was stored (whatever the verdict).</summary>
    Completed,
    /// <summary>An infrastructure failure; the run went back to the queue with a backoff, or ended as an error after the last attempt.</summary>
    Failed,
    /// <summary>The worker stopped renewing its lease (killed, frozen, cut off); another worker took the run.</summary>
    LeaseLost,
    /// <summary>The worker was stopping and put the run back in the queue.</summary>
    HandedBack,
    Cancelled,
}

/// <summary>The steps of a run as the worker reports them (the API and the evidence page show them live).</summary>
public static class EvidencePhases
{
    public const string LoadingModel = "loading the model";
    public const string Computing = "computing";
    public const string Storing = "storing the record";
    public const int Count = 3;
}

public enum EvidencePriority
{
    Person = 0,
    Bulk = 10,
}

public enum EvidenceStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

public enum EvidenceVerdict
{
    Supported,
    Refuted,
    Error,
}
