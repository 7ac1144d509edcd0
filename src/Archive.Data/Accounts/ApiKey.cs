namespace Archive.Data.Accounts;

/// <summary>
/// A named key for the REST API. The secret is shown once when the key is made; the table keeps only its SHA-256, so a
/// leaked database leaks no usable key. <see cref="Prefix"/> (the secret's first characters) tells keys apart on pages.
/// </summary>
public sealed class ApiKey
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public User User { get; set; } = null!;
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole secret, lower-case hex.</summary>
    public required string SecretHash { get; set; }
    public ApiKeyScopes Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>What a key may do; never more than its owner's role allows.</summary>
[Flags]
public enum ApiKeyScopes
{
    None = 0,
    /// <summary>Read what the owner may read (their drafts included).</summary>
    Read = 1,
    /// <summary>Create submissions and dictionaries.</summary>
    Submit = 2,
    /// <summary>Act as a reviewer (needs the reviewer role).</summary>
    Review = 4,
}
