using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Circuits;

internal sealed class CircuitConfiguration : IEntityTypeConfiguration<Circuit>
{
    public void Configure(EntityTypeBuilder<Circuit> builder)
    {
        builder.HasIndex(c => new { c.RevisionId, c.Slug }).IsUnique();
        builder.Property(c => c.Slug).HasMaxLength(100);
        builder.Property(c => c.Title).HasMaxLength(300);
        builder.HasOne(c => c.Revision).WithMany(r => r.Circuits).HasForeignKey(c => c.RevisionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Nodes).WithOne().HasForeignKey(n => n.CircuitId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Edges).WithOne().HasForeignKey(e => e.CircuitId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CircuitNodeConfiguration : IEntityTypeConfiguration<CircuitNode>
{
    public void Configure(EntityTypeBuilder<CircuitNode> builder)
    {
        builder.HasIndex(n => new { n.CircuitId, n.Key }).IsUnique();
        builder.Property(n => n.Key).HasMaxLength(100);
        builder.Property(n => n.Label).HasMaxLength(200);
        builder.Property(n => n.Kind).HasConversion<string>().HasMaxLength(20);
        // "Which circuits involve head L.H / feature D.I?"
        builder.HasIndex(n => new { n.Kind, n.Layer, n.Head });
        builder.HasIndex(n => new { n.FeatureDictionaryId, n.Index });
    }
}

internal sealed class CircuitEdgeConfiguration : IEntityTypeConfiguration<CircuitEdge>
{
    public void Configure(EntityTypeBuilder<CircuitEdge> builder)
    {
        builder.HasIndex(e => e.CircuitId);
        builder.Property(e => e.SourceKey).HasMaxLength(100);
        builder.Property(e => e.TargetKey).HasMaxLength(100);
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(20);
    }
}
