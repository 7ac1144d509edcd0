using Archive.Data.Blobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Models;

internal sealed class ModelConfiguration : IEntityTypeConfiguration<Model>
{
    public void Configure(EntityTypeBuilder<Model> builder)
    {
        builder.HasIndex(m => m.Slug).IsUnique();
        builder.Property(m => m.Slug).HasMaxLength(100);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Architecture).HasMaxLength(50);
        builder.Property(m => m.ConfigJson).HasColumnType("jsonb");
        builder.Property(m => m.WeightsFileName).HasMaxLength(200);
        builder.Property(m => m.Sha256).HasMaxLength(64).IsFixedLength();
        builder.Property(m => m.UnitAtlasSha256).HasMaxLength(64).IsFixedLength();
        builder.HasIndex(m => m.Sha256);
        // The weights file is a blob; the key keeps it from being collected while the model refers to it.
        builder.HasOne<Blob>().WithMany().HasForeignKey(m => m.Sha256).OnDelete(DeleteBehavior.Restrict);
    }
}
