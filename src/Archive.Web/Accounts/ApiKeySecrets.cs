using System.Security.Cryptography;
using System.Text;

namespace Archive.Web.Accounts;

/// <summary>
/// The form of an API key's secret: <c>sa_</c> and 43 base64url characters (32 random bytes). The prefix lets secret
/// scanners recognise a leaked key; only the SHA-256 of the whole secret is stored.
/// </summary>
public static class ApiKeySecrets
{
    public const string Prefix = "sa_";

    /// <summary>How many characters of the secret pages show to tell keys apart.</summary>
    public const int ShownLength = 10;

    public static string NewSecret() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether a presented string has the shape of a key (cheap check before a database lookup).</summary>
    public static bool LooksLikeSecret(string? value) =>
        value is { Length: 46 } && value.StartsWith(Prefix, StringComparison.Ordinal)
        && value.AsSpan(Prefix.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;
}
