using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Models;

internal sealed class ModelUnitConfiguration : IEntityTypeConfiguration<ModelUnit>
{
    public void Configure(EntityTypeBuilder<ModelUnit> builder)
    {
        builder.HasIndex(u => new { u.ModelId, u.Unit }).IsUnique();
        builder.Property(u => u.Unit).HasMaxLength(128);
        builder.Property(u => u.Layer).HasMaxLength(120);
        builder.Property(u => u.Role).HasMaxLength(1000);
        builder.Property(u => u.AtlasJson).HasColumnType("jsonb");
        builder.HasOne(u => u.Model).WithMany().HasForeignKey(u => u.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
