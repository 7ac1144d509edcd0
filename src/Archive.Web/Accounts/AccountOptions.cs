using System.ComponentModel.DataAnnotations;

namespace Archive.Web.Accounts;

/// <summary>Sign-in rules, bound from the <c>Accounts</c> section and checked when the site starts.</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Accounts";

    /// <summary>Failed passwords in a row before an account is locked.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    [Range(8, 128)]
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>The role a newly registered account gets: <c>contributor</c> lets anyone submit drafts, which only they
    /// and reviewers see until a reviewer publishes them; <c>reader</c> makes an admin grant every contributor.</summary>
    [AllowedValues("reader", "contributor")]
    public string NewAccountRole { get; set; } = "contributor";

    /// <summary>Whether anyone may register. A private archive turns it off and has an admin create accounts.</summary>
    public bool OpenRegistration { get; set; } = true;
}

/// <summary>
/// The SMTP server that sends password-reset links, bound from <c>Smtp</c>. Without a host (the local archive) the links
/// are written to the site's log instead.
/// </summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>STARTTLS on submission ports; off only for a relay on a trusted network.</summary>
    public bool UseTls { get; set; } = true;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    [EmailAddress]
    public string From { get; set; } = "archive@localhost";

    public bool Configured => !string.IsNullOrWhiteSpace(Host);
}
