using System.Net;
using Archive.Data.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Accounts;

/// <summary>The admin's accounts page: roles changed through its forms; no one else may open it.</summary>
public sealed class AccountsAdminTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private User admin = null!;
    private User ada = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        admin = await archive.CreateAccountAsync("root", ArchiveRoles.Admin);
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string> RoleOfAsync(User user)
    {
        await using var db = archive.CreateDbContext();
        return await db.UserRoles.Where(ur => ur.UserId == user.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).SingleAsync(Ct);
    }

    [Fact]
    public async Task An_admin_makes_a_contributor_a_reviewer_but_cannot_demote_themself()
    {
        using var session = await archive.SignInAsync("root");

        using var promoted = await session.SubmitAsync("/admin/accounts", $"role-{ada.Id}", new Dictionary<string, string> { ["Role"] = "reviewer" });
        using var selfDemoted = await session.SubmitAsync("/admin/accounts", $"role-{admin.Id}", new Dictionary<string, string> { ["Role"] = "reader" });

        Assert.Contains("@ada is now reviewer", await promoted.Content.ReadAsStringAsync(Ct));
        Assert.Equal(ArchiveRoles.Reviewer, await RoleOfAsync(ada));
        Assert.Contains("cannot take the admin role from your own account", await selfDemoted.Content.ReadAsStringAsync(Ct));
        Assert.Equal(ArchiveRoles.Admin, await RoleOfAsync(admin));
    }

    [Fact]
    public async Task Only_admins_open_the_page()
    {
        using var contributor = await archive.SignInAsync("ada");
        using var anonymous = new SiteSession(archive);

        using var denied = await contributor.Client.GetAsync("/admin/accounts", Ct);
        using var signIn = await anonymous.Client.GetAsync("/admin/accounts", Ct);

        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/account/access-denied", denied.LocationPath());
        Assert.StartsWith("/account/sign-in", signIn.LocationPath());
    }
}
