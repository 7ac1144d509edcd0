using Archive.Data.Blobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Dictionaries;

internal sealed class FeatureDictionaryConfiguration : IEntityTypeConfiguration<FeatureDictionary>
{
    public void Configure(EntityTypeBuilder<FeatureDictionary> builder)
    {
        builder.HasIndex(d => d.Slug).IsUnique();
        builder.Property(d => d.Slug).HasMaxLength(100);
        builder.Property(d => d.Title).HasMaxLength(300);
        builder.Property(d => d.HookName).HasMaxLength(100);
        builder.Property(d => d.Architecture).HasMaxLength(20);
        builder.Property(d => d.ConfigJson).HasColumnType("jsonb");
        builder.Property(d => d.Sha256).HasMaxLength(64).IsFixedLength();
        builder.Property(d => d.SparsitySha256).HasMaxLength(64).IsFixedLength();
        builder.HasOne<Blob>().WithMany().HasForeignKey(d => d.Sha256).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Blob>().WithMany().HasForeignKey(d => d.SparsitySha256).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(d => d.Model).WithMany().HasForeignKey(d => d.ModelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(d => d.ModelId);
        builder.HasOne(d => d.SubmittedBy).WithMany().HasForeignKey(d => d.SubmittedById).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne(d => d.DashboardJob).WithOne(j => j.FeatureDictionary).HasForeignKey<DashboardJob>(j => j.FeatureDictionaryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FeatureConfiguration : IEntityTypeConfiguration<Feature>
{
    public void Configure(EntityTypeBuilder<Feature> builder)
    {
        builder.HasIndex(f => new { f.FeatureDictionaryId, f.Index }).IsUnique();
        // The feature table orders by (key, index) and pages by keyset on that pair: with the index as the last column
        // one B-tree range answers any page, forward or backward. Without it, a run of equal keys (every dead feature
        // has density 0 and max activation 0) is read and sorted whole for each page within it.
        builder.HasIndex(f => new { f.FeatureDictionaryId, f.Density, f.Index });
        builder.HasIndex(f => new { f.FeatureDictionaryId, f.MaxActivation, f.Index });
        // Explanation search is a substring match (ILIKE '%quote%'): trigrams index it; a B-tree cannot.
        builder.HasIndex(f => f.Explanation).HasMethod("gin").HasOperators("gin_trgm_ops");
        builder.HasOne(f => f.FeatureDictionary).WithMany(d => d.Features).HasForeignKey(f => f.FeatureDictionaryId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(f => f.HistogramJson).HasColumnType("jsonb");
        builder.Property(f => f.PositiveLogitsJson).HasColumnType("jsonb");
        builder.Property(f => f.NegativeLogitsJson).HasColumnType("jsonb");
        builder.Property(f => f.SimilarFeaturesJson).HasColumnType("jsonb");
        builder.HasMany(f => f.TopActivations).WithOne().HasForeignKey(a => a.FeatureId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FeatureActivationConfiguration : IEntityTypeConfiguration<FeatureActivation>
{
    public void Configure(EntityTypeBuilder<FeatureActivation> builder)
    {
        builder.HasIndex(a => new { a.FeatureId, a.Rank }).IsUnique();
    }
}
