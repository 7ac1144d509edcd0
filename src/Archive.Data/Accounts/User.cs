namespace Archive.Data.Accounts;

/// <summary>A researcher who submits specimens, or a reviewer who publishes them.</summary>
public sealed class User
{
    public int Id { get; set; }
    /// <summary>Unique handle shown on pages (<c>@handle</c>).</summary>
    public required string Handle { get; set; }
    public required string DisplayName { get; set; }
    public string? Email { get; set; }
    public string? Affiliation { get; set; }
    public UserRole Role { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum UserRole
{
    Researcher,
    Reviewer,
    Admin,
}
