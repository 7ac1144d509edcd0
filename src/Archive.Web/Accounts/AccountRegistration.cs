using System.Text.RegularExpressions;
using Archive.Data;
using Archive.Data.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Accounts;

/// <summary>
/// Makes accounts (the register page, the admin CLI verb) and changes roles: one place that knows an account has exactly
/// one archive role and that its handle and email are unique. Identity's errors come back as field messages.
/// </summary>
public sealed partial class AccountRegistration(UserManager<User> users, ArchiveDbContext db, TimeProvider clock)
{
    public async Task<(User? User, IReadOnlyList<string> Errors)> CreateAsync(string email, string handle, string displayName, string password, string role)
    {
        var errors = new List<string>();
        if (!HandlePattern().IsMatch(handle)) errors.Add("Handle: 2–50 letters, digits, '-' or '_', starting with a letter.");
        else if (await db.Users.AnyAsync(u => u.Handle == handle)) errors.Add($"Handle: @{handle} is taken.");
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 200) errors.Add("Name: 1–200 characters.");
        if (errors.Count > 0) return (null, errors);

        var user = new User { UserName = email, Email = email, Handle = handle, DisplayName = displayName.Trim(), CreatedAt = clock.GetUtcNow() };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return (null, [.. created.Errors.Select(e => e.Description)]);
        var added = await users.AddToRoleAsync(user, role);
        return added.Succeeded ? (user, []) : (null, [.. added.Errors.Select(e => e.Description)]);
    }

    /// <summary>Replaces the account's role with <paramref name="role"/>.</summary>
    public async Task SetRoleAsync(User user, string role)
    {
        if (!ArchiveRoles.IsRole(role)) throw new ArgumentOutOfRangeException(nameof(role), role, "Not an archive role.");
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role) return;
        await users.RemoveFromRolesAsync(user, current);
        await users.AddToRoleAsync(user, role);
        // Signed-in sessions pick the new role up at their next security-stamp check.
        await users.UpdateSecurityStampAsync(user);
    }

    public async Task<string> RoleOfAsync(User user) => (await users.GetRolesAsync(user)).FirstOrDefault() ?? ArchiveRoles.Reader;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{1,49}$")]
    private static partial Regex HandlePattern();
}
