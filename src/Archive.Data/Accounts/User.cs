using Microsoft.AspNetCore.Identity;

namespace Archive.Data.Accounts;

/// <summary>
/// An account: a researcher who submits specimens, a reviewer who publishes them, an admin. Sign-in (email, password
/// hash, lockout) is ASP.NET Core Identity's; the role is one of <see cref="ArchiveRoles"/>.
/// </summary>
public sealed class User : IdentityUser<int>
{
    /// <summary>Unique handle shown on pages (<c>@handle</c>).</summary>
    public required string Handle { get; set; }
    public required string DisplayName { get; set; }
    public string? Affiliation { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
