using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Evidence;

internal sealed class EvidenceRunConfiguration : IEntityTypeConfiguration<EvidenceRun>
{
    public void Configure(EntityTypeBuilder<EvidenceRun> builder)
    {
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Verdict).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Parameters).HasColumnType("jsonb");
        builder.Property(r => r.Inputs).HasColumnType("jsonb");
        builder.Property(r => r.Numbers).HasColumnType("jsonb");
        builder.Property(r => r.Artifacts).HasColumnType("jsonb");
        builder.Property(r => r.Provenance).HasColumnType("jsonb");
        builder.Property(r => r.RequestedBy).HasMaxLength(100);
        builder.HasOne(r => r.Claim).WithMany(c => c.EvidenceRuns).HasForeignKey(r => r.ClaimId).OnDelete(DeleteBehavior.Cascade);
        // Latest run per claim, and the worker's queue scan.
        builder.HasIndex(r => new { r.ClaimId, r.RequestedAt });
        builder.HasIndex(r => new { r.Status, r.RequestedAt });
    }
}
