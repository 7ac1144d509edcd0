using System.Text.Json;
using Archive.Data.Claims;

namespace Archive.Data.Evidence;

/// <summary>
/// One re-run of a claim's evidence by the worker (section 8 of the evidence methods): the exact inputs, every number,
/// the verdict with the tolerance used, artifacts and provenance. Inserted as <see cref="EvidenceStatus.Queued"/>,
/// claimed by a worker, finished once.
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
}

public enum EvidenceStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

public enum EvidenceVerdict
{
    Supported,
    Refuted,
    Error,
}
