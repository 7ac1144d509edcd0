using Archive.Data;
using Archive.Data.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Accounts;

/// <summary>
/// <c>Archive.Web accounts …</c>: account tasks for whoever runs the archive, before anyone can sign in.
/// <list type="bullet">
/// <item><c>create-admin --email E --handle H [--name N]</c>: makes an admin; the password is read from the
/// <c>ARCHIVE_ADMIN_PASSWORD</c> variable or generated and printed once.</item>
/// <item><c>local-admin --password-file F</c>: on an archive without an admin, makes <c>admin@localhost</c> with a generated
/// password kept in F (mode 600); prints the account and password whenever F holds it (the run command calls it).</item>
/// <item><c>set-role --email E --role R</c>.</item>
/// </list>
/// </summary>
public static class AccountsCommand
{
    public const string Verb = "accounts";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        await using var scope = services.CreateAsyncScope();
        var registration = scope.ServiceProvider.GetRequiredService<AccountRegistration>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

        switch (args.ElementAtOrDefault(1))
        {
            case "create-admin" when Option("--email") is { } email && Option("--handle") is { } handle:
            {
                var password = Environment.GetEnvironmentVariable("ARCHIVE_ADMIN_PASSWORD") ?? GeneratePassword();
                var (user, errors) = await registration.CreateAsync(email, handle, Option("--name") ?? handle, password, ArchiveRoles.Admin);
                if (user is null) return Fail(errors);
                Console.WriteLine($"Admin @{handle} created. Sign in as {email}" +
                    (Environment.GetEnvironmentVariable("ARCHIVE_ADMIN_PASSWORD") is null ? $" with the password {password} (shown once)." : "."));
                return 0;
            }
            case "local-admin" when Option("--password-file") is { } file:
                return await LocalAdminAsync(scope.ServiceProvider.GetRequiredService<ArchiveDbContext>(), registration, file);
            case "set-role" when Option("--email") is { } email && Option("--role") is { } role && ArchiveRoles.IsRole(role):
            {
                var user = await users.FindByEmailAsync(email);
                if (user is null) return Fail([$"No account has the email {email}."]);
                await registration.SetRoleAsync(user, role);
                Console.WriteLine($"@{user.Handle} is now {role}.");
                return 0;
            }
            default:
                Console.Error.WriteLine("""
                    Usage: Archive.Web accounts create-admin --email E --handle H [--name N]   (password from ARCHIVE_ADMIN_PASSWORD, else generated)
                           Archive.Web accounts local-admin --password-file F
                           Archive.Web accounts set-role --email E --role reader|contributor|reviewer|admin
                    """);
                return 2;
        }
    }

    private static async Task<int> LocalAdminAsync(ArchiveDbContext db, AccountRegistration registration, string passwordFile)
    {
        const string email = "admin@localhost";
        const string NormalizedLocalAdmin = "ADMIN@LOCALHOST";
        var hasAdmin = await db.UserRoles.Join(db.Roles.Where(r => r.Name == ArchiveRoles.Admin), ur => ur.RoleId, r => r.Id, (ur, _) => ur).AnyAsync();
        if (!hasAdmin)
        {
            var password = GeneratePassword();
            var (user, errors) = await registration.CreateAsync(email, "admin", "Local admin", password, ArchiveRoles.Admin);
            if (user is null) return Fail(errors);
            await File.WriteAllTextAsync(passwordFile, password + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (File.Exists(passwordFile) && await db.Users.AnyAsync(u => u.NormalizedEmail == NormalizedLocalAdmin))
            Console.WriteLine($"{email}, password {(await File.ReadAllTextAsync(passwordFile)).Trim()} (kept in {Path.GetFullPath(passwordFile)})");
        return 0;
    }

    private static int Fail(IEnumerable<string> errors)
    {
        foreach (var error in errors) Console.Error.WriteLine(error);
        return 1;
    }

    private static string GeneratePassword() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
}
