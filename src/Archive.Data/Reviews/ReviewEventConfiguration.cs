using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Reviews;

internal sealed class ReviewEventConfiguration : IEntityTypeConfiguration<ReviewEvent>
{
    public void Configure(EntityTypeBuilder<ReviewEvent> builder)
    {
        builder.Property(e => e.Action).HasConversion<string>().HasMaxLength(30);
        builder.Property(e => e.StatusAfter).HasConversion<string>().HasMaxLength(20);
        builder.Property(e => e.Body).HasMaxLength(ReviewWorkflow.MaxBodyLength);
        builder.HasOne(e => e.Specimen).WithMany().HasForeignKey(e => e.SpecimenId).OnDelete(DeleteBehavior.Cascade);
        // An account's removal keeps its review steps, unattributed.
        builder.HasOne(e => e.Actor).WithMany().HasForeignKey(e => e.ActorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(e => new { e.SpecimenId, e.CreatedAt });
    }
}
