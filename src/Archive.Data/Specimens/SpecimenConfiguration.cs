using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Specimens;

internal sealed class SpecimenConfiguration : IEntityTypeConfiguration<Specimen>
{
    public void Configure(EntityTypeBuilder<Specimen> builder)
    {
        builder.HasIndex(s => s.Slug).IsUnique();
        builder.Property(s => s.Slug).HasMaxLength(100);
        builder.Property(s => s.Title).HasMaxLength(300);
        builder.Property(s => s.Summary).HasMaxLength(2000);
        builder.Property(s => s.Behaviour).HasMaxLength(300);
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.ClaimStatus).HasConversion<string>().HasMaxLength(20);
        builder.HasOne(s => s.Model).WithMany().HasForeignKey(s => s.ModelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(s => s.CurrentRevision).WithMany().HasForeignKey(s => s.CurrentRevisionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne(s => s.ProposedRevision).WithMany().HasForeignKey(s => s.ProposedRevisionId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(s => s.ProposalStatus).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.ProposedListingJson).HasColumnType("jsonb");
        builder.Property(s => s.RejectedRevisions).HasDefaultValueSql("'{}'");
        builder.HasMany(s => s.Revisions).WithOne(r => r.Specimen).HasForeignKey(r => r.SpecimenId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.SubmittedBy).WithMany().HasForeignKey(s => s.SubmittedById).OnDelete(DeleteBehavior.SetNull);

        // Listings: published specimens newest first, filtered by status/model/claim status; tags and techniques by GIN.
        builder.HasIndex(s => new { s.Status, s.PublishedAt });
        builder.HasIndex(s => new { s.Status, s.Featured });
        builder.HasIndex(s => s.ModelId);
        builder.HasIndex(s => s.ClaimStatus);
        builder.HasIndex(s => s.Tags).HasMethod("gin");
        builder.HasIndex(s => s.Techniques).HasMethod("gin");

        builder.Property(s => s.SearchVector)
            .HasComputedColumnSql(
                "setweight(to_tsvector('english', coalesce(title, '')), 'A') || " +
                "setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(behaviour, '')), 'B') || " +
                "setweight(to_tsvector('english', coalesce(search_text, '')), 'C')",
                stored: true);
        builder.HasIndex(s => s.SearchVector).HasMethod("gin");
    }
}

internal sealed class SpecimenRevisionConfiguration : IEntityTypeConfiguration<SpecimenRevision>
{
    public void Configure(EntityTypeBuilder<SpecimenRevision> builder)
    {
        builder.HasIndex(r => new { r.SpecimenId, r.Number }).IsUnique();
        builder.Property(r => r.Message).HasMaxLength(500);
        builder.Property(r => r.CreatedBy).HasMaxLength(100);
        builder.Property(r => r.SourceHash).HasMaxLength(64);
    }
}
