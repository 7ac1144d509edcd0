using Microsoft.Extensions.Options;

namespace Archive.Worker.Evidence;

/// <summary>Bound from the <c>EvidenceWorker</c> configuration section; validated when the worker starts.</summary>
public sealed class EvidenceWorkerOptions
{
    public const string SectionName = "EvidenceWorker";

    /// <summary>How often to look for queued runs when no notification arrives (notifications can be missed across restarts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a run is held without a heartbeat; the holder renews it every third of this. A run whose lease
    /// lapses (its worker was killed or cut off) goes to the next worker that looks.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Leases a run may take before an infrastructure failure ends it as an error.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait after the first failed attempt; it doubles with each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs one worker executes at once: one per GPU; on the CPU, as the cores allow. Runs on the same model
    /// take turns (hooks are installed on the shared model), runs on different models overlap.</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>A stopping worker lets its runs finish for this long, then hands them back to the queue.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Where model and dictionary files are copied from the blob store before loading (by sha256, verified).</summary>
    public string CacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "archive-worker-cache");

    /// <summary>The local cache's budget in bytes; the least recently used files go first.</summary>
    public long CacheMaxBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>How many loaded models stay in memory between runs.</summary>
    public int ModelsInMemory { get; set; } = 4;

    /// <summary>The lease holder's name, recorded in attempts and provenance: unique per process, so two workers on one
    /// machine never mistake each other's leases.</summary>
    public string WorkerName { get; set; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    public static IEnumerable<string> Validate(EvidenceWorkerOptions o)
    {
        if (o.PollInterval <= TimeSpan.Zero) yield return "EvidenceWorker:PollInterval must be positive.";
        if (o.LeaseDuration < TimeSpan.FromSeconds(1)) yield return "EvidenceWorker:LeaseDuration must be at least 1 s.";
        if (o.MaxAttempts < 1) yield return "EvidenceWorker:MaxAttempts must be at least 1.";
        if (o.RetryDelay < TimeSpan.Zero) yield return "EvidenceWorker:RetryDelay must not be negative.";
        if (o.Concurrency is < 1 or > 64) yield return "EvidenceWorker:Concurrency must lie in [1, 64].";
        if (o.CacheMaxBytes <= 0) yield return "EvidenceWorker:CacheMaxBytes must be positive.";
        if (o.ModelsInMemory < 1) yield return "EvidenceWorker:ModelsInMemory must be at least 1.";
        if (string.IsNullOrWhiteSpace(o.WorkerName) || o.WorkerName.Length > 200) yield return "EvidenceWorker:WorkerName must be 1 to 200 characters.";
    }
}

/// <summary>Stops the worker at start with every setting that is out of range.</summary>
public sealed class EvidenceWorkerOptionsValidator : IValidateOptions<EvidenceWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, EvidenceWorkerOptions options)
    {
        var failures = EvidenceWorkerOptions.Validate(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
