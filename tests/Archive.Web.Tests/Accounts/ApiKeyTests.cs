using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Accounts;

/// <summary>API keys: made on the account page and shown once, stored as a hash, scoped, revocable, last use recorded.</summary>
public sealed partial class ApiKeyTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_key_made_on_the_account_page_is_shown_once_stored_as_a_hash_and_signs_api_calls_in()
    {
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        using var session = await archive.SignInAsync("ada");

        using var made = await session.SubmitAsync("/account", "create-key",
            new Dictionary<string, string> { ["NewKey.Name"] = "notebook", ["NewKey.Read"] = "true", ["NewKey.Submit"] = "true" });
        var secret = SecretPattern().Match(await made.Content.ReadAsStringAsync(Ct)).Value;
        var later = await session.GetPageAsync("/account");

        Assert.StartsWith("sa_", secret);
        Assert.DoesNotContain(secret, later);
        Assert.Contains(secret[..10], later);
        await using (var db = archive.CreateDbContext())
        {
            var stored = await db.ApiKeys.SingleAsync(Ct);
            Assert.NotEqual(secret, stored.SecretHash);
            Assert.Equal(ApiKeyScopes.Read | ApiKeyScopes.Submit, stored.Scopes);
            Assert.Null(stored.LastUsedAt);
        }

        using var client = archive.ClientWithKey(secret);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        Assert.Equal("ada", me.GetProperty("handle").GetString());
        Assert.Equal(["read", "submit"], me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order());
        Assert.Contains("contributor", me.GetProperty("roles").EnumerateArray().Select(s => s.GetString()));
        await using (var db = archive.CreateDbContext())
        {
            Assert.NotNull((await db.ApiKeys.SingleAsync(Ct)).LastUsedAt);
        }
    }

    [Fact]
    public async Task The_X_Api_Key_header_works_as_Neuronpedia_clients_send_it()
    {
        var ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        var secret = await archive.CreateKeyAsync(ada, ApiKeyScopes.Read);
        using var client = archive.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", secret);

        using var response = await client.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_an_unknown_and_a_malformed_key_are_refused_with_problem_details()
    {
        var ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        var revoked = await archive.CreateKeyAsync(ada, ApiKeyScopes.Read);
        await using (var db = archive.CreateDbContext())
        {
            await db.ApiKeys.ExecuteUpdateAsync(u => u.SetProperty(k => k.RevokedAt, DateTimeOffset.UtcNow), Ct);
        }

        foreach (var key in new[] { revoked, "sa_" + new string('A', 43), "not-a-key" })
        {
            using var client = archive.ClientWithKey(key);
            using var response = await client.GetAsync("/api/v1/me", Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task Revoking_on_the_account_page_stops_the_key_at_once()
    {
        var ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        var secret = await archive.CreateKeyAsync(ada, ApiKeyScopes.Read);
        using var session = await archive.SignInAsync("ada");
        int keyId;
        await using (var db = archive.CreateDbContext()) keyId = (await db.ApiKeys.SingleAsync(Ct)).Id;

        using var revoked = await session.SubmitAsync("/account", "revoke-key", new Dictionary<string, string> { ["RevokeId"] = keyId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = archive.ClientWithKey(secret);
        using var response = await client.GetAsync("/api/v1/me", Ct);

        Assert.Contains("revoked", await revoked.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_site_cookie_does_not_sign_api_calls_in()
    {
        await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        using var session = await archive.SignInAsync("ada");

        using var response = await session.Client.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [GeneratedRegex("sa_[A-Za-z0-9_-]{43}")]
    private static partial Regex SecretPattern();
}
