namespace Archive.Web.Infrastructure;

/// <summary>Site-wide settings, bound from the <c>Archive</c> configuration section.</summary>
public sealed class ArchiveOptions
{
    public const string SectionName = "Archive";

    /// <summary>Specimens per library page.</summary>
    public int PageSize { get; set; } = 20;

    /// <summary>Largest accepted upload (model files, SAE weights, graphs), in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Largest accepted attribution-graph JSON, in bytes.</summary>
    public long MaxGraphBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Evidence requests (queue or cancel a run) one client address may make per minute.</summary>
    public int EvidenceRequestsPerMinute { get; set; } = 10;

    /// <summary>Shown in the footer and recorded in provenance.</summary>
    public string SiteName { get; set; } = "Specimen Archive";
}
