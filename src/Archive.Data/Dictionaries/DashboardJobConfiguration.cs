using Archive.Data.Blobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Dictionaries;

internal sealed class DashboardJobConfiguration : IEntityTypeConfiguration<DashboardJob>
{
    public void Configure(EntityTypeBuilder<DashboardJob> builder)
    {
        builder.HasKey(j => j.FeatureDictionaryId);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.TokenSetSha256).HasMaxLength(64).IsFixedLength();
        builder.HasOne<Blob>().WithMany().HasForeignKey(j => j.TokenSetSha256).OnDelete(DeleteBehavior.Restrict);
        builder.Property(j => j.LeasedBy).HasMaxLength(300);
        // The worker's lease query: queued jobs, and computing ones whose lease lapsed, oldest first.
        builder.HasIndex(j => new { j.Status, j.QueuedAt });
    }
}
