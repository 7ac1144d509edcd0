namespace Archive.Data.Dictionaries;

/// <summary>
/// The worker's task of computing an uploaded dictionary's dashboards (evidence-methods section 5 statistics of every
/// feature) by running the model over a stored token set. One per dictionary; a bundle's dictionary has none (its
/// dashboards come with it). A re-upload queues it again. The worker leases it like an evidence run: a lease that lapses
/// (a killed worker) returns it to the queue, and it fails for good after <see cref="MaxAttempts"/>.
/// </summary>
public sealed class DashboardJob
{
    public const int MaxAttempts = 3;

    public int FeatureDictionaryId { get; set; }
    public FeatureDictionary FeatureDictionary { get; set; } = null!;
    /// <summary>The token ids the statistics run over: a blob of little-endian int32, <see cref="TokenWindows"/> × <see cref="TokenLength"/>.</summary>
    public required string TokenSetSha256 { get; set; }
    public int TokenWindows { get; set; }
    public int TokenLength { get; set; }
    public DashboardStatus Status { get; set; }
    /// <summary>1-based step the worker is on, of <see cref="DashboardSteps.Count"/>; 0 before it starts.</summary>
    public int Step { get; set; }
    public string? Error { get; set; }
    public int Attempts { get; set; }
    public string? LeasedBy { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public enum DashboardStatus
{
    Queued,
    Computing,
    Ready,
    Failed,
}

/// <summary>The worker's steps, named once for the worker's progress and the pages that show it.</summary>
public static class DashboardSteps
{
    public static readonly IReadOnlyList<string> Names =
    [
        "loading the model, the dictionary and the token set",
        "running the model over the token set",
        "encoding and summarising every feature",
        "storing the dashboards",
    ];

    public static int Count => Names.Count;

    public static string Describe(int step) => step >= 1 && step <= Count ? Names[step - 1] : "waiting for a worker";
}

/// <summary>NOTIFY channels of dashboard jobs; payloads are dictionary ids.</summary>
public static class DashboardChannels
{
    /// <summary>A dictionary was uploaded: the worker starts at once.</summary>
    public const string Requested = "dashboards_requested";
}
