using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Accounts;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.HasIndex(u => u.Handle).IsUnique();
        builder.Property(u => u.Handle).HasMaxLength(50);
        builder.Property(u => u.DisplayName).HasMaxLength(200);
        builder.Property(u => u.Email).HasMaxLength(300);
        builder.Property(u => u.Affiliation).HasMaxLength(300);
        builder.Property(u => u.Role).HasConversion<string>().HasMaxLength(20);
    }
}
