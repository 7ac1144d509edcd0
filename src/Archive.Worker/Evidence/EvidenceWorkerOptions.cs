namespace Archive.Worker.Evidence;

/// <summary>Bound from the <c>EvidenceWorker</c> configuration section.</summary>
public sealed class EvidenceWorkerOptions
{
    public const string SectionName = "EvidenceWorker";

    /// <summary>How often to look for queued runs when no notification arrives (notifications can be missed across restarts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Runs left in <c>Running</c> longer than this (a worker died mid-run) are queued again.</summary>
    public TimeSpan StaleRunTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where model and dictionary files are copied from the blob store before loading (by sha256, verified).</summary>
    public string CacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "archive-worker-cache");

    /// <summary>The local cache's budget in bytes; the least recently used files go first.</summary>
    public long CacheMaxBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>How many loaded models stay in memory between runs.</summary>
    public int ModelsInMemory { get; set; } = 4;

    /// <summary>Recorded in provenance, so a record says which worker produced it.</summary>
    public string WorkerName { get; set; } = Environment.MachineName;
}
