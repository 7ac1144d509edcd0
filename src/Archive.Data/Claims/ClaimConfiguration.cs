using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Claims;

internal sealed class ClaimConfiguration : IEntityTypeConfiguration<Claim>
{
    public void Configure(EntityTypeBuilder<Claim> builder)
    {
        builder.HasIndex(c => new { c.RevisionId, c.Key }).IsUnique();
        builder.Property(c => c.Key).HasMaxLength(100);
        builder.Property(c => c.Statement).HasMaxLength(1000);
        builder.Property(c => c.Method).HasMaxLength(50);
        builder.HasIndex(c => c.Method);
        builder.Property(c => c.Parameters).HasColumnType("jsonb");
        builder.Property(c => c.Comparison).HasConversion<string>().HasMaxLength(30);
        builder.HasOne(c => c.Revision).WithMany(r => r.Claims).HasForeignKey(c => c.RevisionId).OnDelete(DeleteBehavior.Cascade);
    }
}
