using Archive.Data;
using Archive.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Archive.Web.Accounts;

public static class AccountServices
{
    /// <summary>The scheme that picks, per request, between the site's cookie and an API key.</summary>
    public const string SiteOrApiKey = "SiteOrApiKey";

    /// <summary>
    /// Identity (EF Core store in the archive's database, cookie sign-in, lockout, reset tokens), API keys, the
    /// authorization policies and the email sender. The REST API (<c>/api</c>) authenticates by key only; pages by cookie.
    /// </summary>
    public static IServiceCollection AddArchiveAccounts(this IServiceCollection services)
    {
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SiteOrApiKey;
                o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(SiteOrApiKey, "Site cookie or API key", o => o.ForwardDefaultSelector = http =>
                http.Request.Path.StartsWithSegments("/api") ? ApiKeyAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "archive.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/sign-in";
            o.LogoutPath = "/account/sign-out";
            o.AccessDeniedPath = "/account/access-denied";
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
        });

        services.AddIdentityCore<User>()
            .AddRoles<IdentityRole<int>>()
            .AddEntityFrameworkStores<ArchiveDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountOptions>>((identity, accounts) =>
        {
            var a = accounts.Value;
            identity.User.RequireUniqueEmail = true;
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = a.MaxFailedSignIns;
            identity.Lockout.DefaultLockoutTimeSpan = a.LockoutDuration;
            // Length over composition rules (NIST SP 800-63B): long passphrases, no forced symbols.
            identity.Password.RequiredLength = a.MinPasswordLength;
            identity.Password.RequireDigit = false;
            identity.Password.RequireLowercase = false;
            identity.Password.RequireUppercase = false;
            identity.Password.RequireNonAlphanumeric = false;
        });
        // Cookies and reset links are signed with Data Protection keys: kept in the database, so every web replica reads
        // the same keys and a restart signs nobody out.
        services.AddDataProtection().SetApplicationName("specimen-archive").PersistKeysToDbContext<ArchiveDbContext>();
        services.AddSingleton<IEmailSender<User>, AccountEmailSender>();
        services.AddScoped<AccountRegistration>();
        services.AddAuthorizationBuilder().AddArchivePolicies();
        services.AddCascadingAuthenticationState();
        return services;
    }
}
