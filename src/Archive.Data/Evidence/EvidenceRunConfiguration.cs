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
        builder.Property(r => r.Priority).HasConversion<int>();
        builder.Property(r => r.LeaseOwner).HasMaxLength(200).IsConcurrencyToken();
        builder.Property(r => r.Phase).HasMaxLength(50);
        builder.HasMany(r => r.AttemptRecords).WithOne().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
        // Latest run per claim, and the worker's queue scan.
        builder.HasIndex(r => new { r.ClaimId, r.RequestedAt });
        builder.HasIndex(r => new { r.Status, r.Priority, r.RequestedAt });
        // One queued-or-running run per claim, whoever asks and however fast: EvidenceRequests inserts against it.
        builder.HasIndex(r => r.ClaimId).IsUnique().HasFilter("status IN ('Queued', 'Running')").HasDatabaseName(EvidenceRequests.OnePendingPerClaimIndex);
    }
}

internal sealed class EvidenceRunAttemptConfiguration : IEntityTypeConfiguration<EvidenceRunAttempt>
{
    public void Configure(EntityTypeBuilder<EvidenceRunAttempt> builder)
    {
        builder.Property(a => a.Worker).HasMaxLength(200);
        builder.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(a => new { a.RunId, a.Number }).IsUnique();
    }
}
