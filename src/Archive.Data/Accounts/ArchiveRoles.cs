namespace Archive.Data.Accounts;

/// <summary>
/// The archive's roles, each including the one before it: a reader signs in and reads; a contributor also submits
/// specimens and dictionaries; a reviewer also sees every draft and publishes, rejects or retracts; an admin also manages
/// accounts. An account holds exactly one.
/// </summary>
public static class ArchiveRoles
{
    public const string Reader = "reader";
    public const string Contributor = "contributor";
    public const string Reviewer = "reviewer";
    public const string Admin = "admin";

    /// <summary>From least to most trusted.</summary>
    public static readonly string[] Ordered = [Reader, Contributor, Reviewer, Admin];

    /// <summary>The roles that include <paramref name="role"/>'s rights (itself and every one above it).</summary>
    public static string[] AtLeast(string role)
    {
        var index = Array.IndexOf(Ordered, role);
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(role), role, "Not an archive role.");
        return [.. Ordered.Skip(index)];
    }

    public static bool IsRole(string? role) => role is not null && Ordered.Contains(role);
}
