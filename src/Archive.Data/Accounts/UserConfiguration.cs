using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Archive.Data.Accounts;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasIndex(u => u.Handle).IsUnique();
        builder.Property(u => u.Handle).HasMaxLength(50);
        builder.Property(u => u.DisplayName).HasMaxLength(200);
        builder.Property(u => u.Affiliation).HasMaxLength(300);
    }
}

/// <summary>Identity's other tables, named like the archive's own (snake_case, no <c>AspNet</c> prefix), and the roles.</summary>
internal static class IdentityTableNames
{
    public static void Apply(ModelBuilder builder)
    {
        // The four roles are data every archive has, so the migration inserts them (fixed ids and stamps keep the model stable).
        builder.Entity<IdentityRole<int>>().ToTable("roles").HasData(ArchiveRoles.Ordered.Select((name, i) =>
            new IdentityRole<int> { Id = i + 1, Name = name, NormalizedName = name.ToUpperInvariant(), ConcurrencyStamp = $"archive-role-{name}" }));
        builder.Entity<IdentityUserRole<int>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<int>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<int>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<int>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<int>>().ToTable("role_claims");
    }
}
