using System.ComponentModel.DataAnnotations;

namespace Archive.Web.Infrastructure;

/// <summary>Site-wide settings, bound from the <c>Archive</c> configuration section and checked when the site starts.</summary>
public sealed class ArchiveOptions
{
    public const string SectionName = "Archive";

    /// <summary>Specimens per library page.</summary>
    [Range(1, 500)]
    public int PageSize { get; set; } = 20;

    /// <summary>Largest accepted upload (model files, SAE weights, graphs), in bytes.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Largest accepted attribution-graph JSON, in bytes.</summary>
    [Range(1L, 1L << 34)]
    public long MaxGraphBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Evidence requests (queue or cancel a run) one client address may make per minute.</summary>
    [Range(1, 1_000_000)]
    public int EvidenceRequestsPerMinute { get; set; } = 10;

    /// <summary>Attribution-graph uploads one client address may make per minute.</summary>
    [Range(1, 1_000_000)]
    public int GraphUploadsPerMinute { get; set; } = 20;

    /// <summary>Submissions one account may make per minute.</summary>
    [Range(1, 1_000_000)]
    public int SubmissionsPerMinute { get; set; } = 10;

    /// <summary>Shown in the footer and recorded in provenance.</summary>
    [Required, StringLength(100)]
    public string SiteName { get; set; } = "Specimen Archive";
}
