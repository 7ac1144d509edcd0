using Archive.Data.Accounts;
using Archive.Web.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Web.Tests.Accounts;

/// <summary>Accounts and keys made through the site's own services, as the register page and the account page make them.</summary>
public static class AccountTestData
{
    public const string Password = "correct horse battery";

    public static async Task<User> CreateAccountAsync(this ArchiveFixture archive, string handle, string role)
    {
        await using var scope = archive.Services.CreateAsyncScope();
        var (user, errors) = await scope.ServiceProvider.GetRequiredService<AccountRegistration>()
            .CreateAsync($"{handle}@example.org", handle, handle, Password, role);
        return user ?? throw new InvalidOperationException(string.Join("; ", errors));
    }

    /// <summary>A key for <paramref name="user"/>; returns the secret.</summary>
    public static async Task<string> CreateKeyAsync(this ArchiveFixture archive, User user, ApiKeyScopes scopes)
    {
        var secret = ApiKeySecrets.NewSecret();
        await using var db = archive.CreateDbContext();
        db.ApiKeys.Add(new ApiKey
        {
            UserId = user.Id, Name = "test", Prefix = secret[..ApiKeySecrets.ShownLength], SecretHash = ApiKeySecrets.Hash(secret),
            Scopes = scopes, CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
        return secret;
    }

    public static HttpClient ClientWithKey(this ArchiveFixture archive, string secret)
    {
        var client = archive.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A session signed in through the sign-in page.</summary>
    public static async Task<SiteSession> SignInAsync(this ArchiveFixture archive, string handle)
    {
        var session = new SiteSession(archive);
        using var response = await session.SubmitAsync("/account/sign-in", "sign-in",
            new Dictionary<string, string> { ["Input.Email"] = $"{handle}@example.org", ["Input.Password"] = Password });
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        return session;
    }
}
