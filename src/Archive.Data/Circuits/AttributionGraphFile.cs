using Archive.Data.Blobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Circuits;

/// <summary>
/// An attribution graph exactly as circuit-tracer or Neuronpedia wrote it: the uploaded bytes are a blob, so the graph
/// comes back byte for byte, including every field the archive does not interpret. The row keeps what lists, pages and
/// searches need (metadata, counts, warnings) so they never re-read the file.
/// </summary>
public sealed class AttributionGraphFile
{
    public Guid Id { get; set; }
    /// <summary>The file's sha256: its blob.</summary>
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    /// <summary><c>metadata.slug</c>, <c>metadata.scan</c> (the model or transcoder set) and <c>metadata.prompt</c>.</summary>
    public required string Slug { get; set; }
    public required string Scan { get; set; }
    public required string Prompt { get; set; }
    public int NodeCount { get; set; }
    public int LinkCount { get; set; }
    /// <summary>What was accepted but worth knowing (a repeated node_id, read as circuit-tracer's frontend reads it).</summary>
    public List<string> Warnings { get; set; } = [];
    /// <summary>The circuit of a specimen this graph belongs to, if it was attached to one.</summary>
    public int? CircuitId { get; set; }
    public Circuit? Circuit { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
    /// <summary>Who uploaded it: a rate-limit partition today (the client address), an account once accounts exist.</summary>
    public required string UploadedBy { get; set; }
}

internal sealed class AttributionGraphFileConfiguration : IEntityTypeConfiguration<AttributionGraphFile>
{
    public void Configure(EntityTypeBuilder<AttributionGraphFile> builder)
    {
        builder.ToTable("attribution_graphs");
        builder.Property(g => g.Sha256).HasMaxLength(ContentHash.HexLength).IsFixedLength();
        builder.HasOne<Blob>().WithMany().HasForeignKey(g => g.Sha256).OnDelete(DeleteBehavior.Restrict);
        builder.Property(g => g.Slug).HasMaxLength(200);
        builder.Property(g => g.Scan).HasMaxLength(200);
        builder.Property(g => g.Prompt).HasMaxLength(10_000);
        builder.Property(g => g.UploadedBy).HasMaxLength(100);
        builder.HasOne(g => g.Circuit).WithMany().HasForeignKey(g => g.CircuitId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(g => g.CircuitId);
        builder.HasIndex(g => g.UploadedAt);
    }
}
