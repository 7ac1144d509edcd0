using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Blobs;

/// <summary>
/// A file in the blob store, as the database knows it. Rows that hold a file (a model's weights, a dictionary's
/// weights and sparsity) refer to it by sha256 with a foreign key, so a blob with a reference can never be collected,
/// and a file stored under many rows is stored once.
/// </summary>
public sealed class Blob
{
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    public required string MediaType { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class BlobConfiguration : IEntityTypeConfiguration<Blob>
{
    public void Configure(EntityTypeBuilder<Blob> builder)
    {
        builder.HasKey(b => b.Sha256);
        builder.Property(b => b.Sha256).HasMaxLength(ContentHash.HexLength).IsFixedLength();
        builder.Property(b => b.MediaType).HasMaxLength(100);
        builder.ToTable(t => t.HasCheckConstraint("ck_blobs_sha256_hex", "sha256 ~ '^[0-9a-f]{64}$'"));
    }
}
