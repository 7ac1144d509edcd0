using System.Net;
using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Accounts;

/// <summary>Registering, signing in, lockout and password reset, through the site's real pages and database.</summary>
public sealed partial class SignInTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Registering_signs_the_new_contributor_in_and_the_account_page_shows_them()
    {
        using var session = new SiteSession(archive);
        using var response = await session.SubmitAsync("/account/register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "ada@example.org", ["Input.Handle"] = "ada", ["Input.DisplayName"] = "Ada Lovelace",
            ["Input.Password"] = AccountTestData.Password, ["Input.ConfirmPassword"] = AccountTestData.Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account", response.LocationPath());
        var page = await session.GetPageAsync("/account");
        Assert.Contains("Ada Lovelace", page);
        Assert.Contains("role <strong>contributor</strong>", page);
        Assert.Contains("href=\"/submissions/new\"", page);
    }

    [Fact]
    public async Task Registration_refuses_a_taken_handle_and_a_short_password_with_messages()
    {
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        using var session = new SiteSession(archive);

        using var taken = await session.SubmitAsync("/account/register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "other@example.org", ["Input.Handle"] = "ada", ["Input.DisplayName"] = "Other",
            ["Input.Password"] = AccountTestData.Password, ["Input.ConfirmPassword"] = AccountTestData.Password,
        });
        using var shortPassword = await session.SubmitAsync("/account/register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "bob@example.org", ["Input.Handle"] = "bob", ["Input.DisplayName"] = "Bob",
            ["Input.Password"] = "short", ["Input.ConfirmPassword"] = "short",
        });

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Contains("@ada is taken", await taken.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains("at least 10 characters", await shortPassword.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await using var db = archive.CreateDbContext();
        Assert.Equal(1, db.Users.Count());
    }

    [Fact]
    public async Task An_account_page_needs_a_signed_in_reader()
    {
        using var anonymous = archive.CreateClient();
        using var response = await anonymous.GetAsync("/account", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in", response.LocationPath());
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        using var session = new SiteSession(archive);
        var wrong = new Dictionary<string, string> { ["Input.Email"] = "ada@example.org", ["Input.Password"] = "not the password" };

        for (var i = 0; i < 5; i++)
        {
            using var failed = await session.SubmitAsync("/account/sign-in", "sign-in", wrong);
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }
        using var right = await session.SubmitAsync("/account/sign-in", "sign-in",
            new Dictionary<string, string> { ["Input.Email"] = "ada@example.org", ["Input.Password"] = AccountTestData.Password });

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_reset_link_from_the_log_sets_a_new_password_once()
    {
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        using var session = new SiteSession(archive);

        using var asked = await session.SubmitAsync("/account/forgot-password", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "ada@example.org" });
        Assert.Contains("on its way", await asked.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // Without SMTP (a local archive) the email is written to the log.
        var link = archive.Logs.Messages.Select(m => ResetLink().Match(m)).Last(m => m.Success).Value;
        var path = new Uri(link).PathAndQuery;

        using var reset = await session.SubmitAsync(path, "reset-password",
            new Dictionary<string, string> { ["Input.Password"] = "a brand new passphrase", ["Input.ConfirmPassword"] = "a brand new passphrase" });
        using var reused = await session.SubmitAsync(path, "reset-password",
            new Dictionary<string, string> { ["Input.Password"] = "yet another passphrase", ["Input.ConfirmPassword"] = "yet another passphrase" });
        using var signIn = await session.SubmitAsync("/account/sign-in", "sign-in",
            new Dictionary<string, string> { ["Input.Email"] = "ada@example.org", ["Input.Password"] = "a brand new passphrase" });

        Assert.Contains("Your password is changed", await reset.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains("used, expired or mistyped", await reused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task Signing_in_follows_only_a_local_return_url()
    {
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        using var session = new SiteSession(archive);
        var fields = new Dictionary<string, string> { ["Input.Email"] = "ada@example.org", ["Input.Password"] = AccountTestData.Password };

        using var local = await session.SubmitAsync("/account/sign-in?ReturnUrl=%2Faccount", "sign-in", fields);
        using var foreign = await session.SubmitAsync("/account/sign-in?ReturnUrl=%2F%2Fevil.example%2F", "sign-in", fields);

        Assert.Equal("/account", local.LocationPath());
        Assert.Equal("/", foreign.LocationPath());
    }

    [GeneratedRegex(@"http://[^\s]+/account/reset-password\?[^\s]+")]
    private static partial Regex ResetLink();
}
