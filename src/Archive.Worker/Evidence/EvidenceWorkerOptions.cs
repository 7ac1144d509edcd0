namespace Archive.Worker.Evidence;

/// <summary>Bound from the <c>EvidenceWorker</c> configuration section.</summary>
public sealed class EvidenceWorkerOptions
{
    public const string SectionName = "EvidenceWorker";

    /// <summary>How often to look for queued runs when no notification arrives (notifications can be missed across restarts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Runs left in <c>Running</c> longer than this (a worker died mid-run) are queued again.</summary>
    public TimeSpan StaleRunTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where model files are written from the database before loading (checked by sha256).</summary>
    public string ModelCacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "archive-worker-models");

    /// <summary>How many loaded models stay in memory between runs.</summary>
    public int ModelsInMemory { get; set; } = 4;

    /// <summary>Recorded in provenance, so a record says which worker produced it.</summary>
    public string WorkerName { get; set; } = Environment.MachineName;
}
