using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Archive.Web.Infrastructure;

/// <summary>
/// The reverse proxies in front of the site, bound from <c>Proxy</c>. Their <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> are believed (the client's address for per-address rate limits, https for cookies and
/// links); anyone else's are ignored, so a client cannot pick its own address. Empty: the site faces clients directly.
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string SectionName = "Proxy";

    /// <summary>Addresses (<c>10.0.0.2</c>) or networks (<c>10.0.0.0/8</c>) of the trusted proxies.</summary>
    public List<string> Trusted { get; set; } = [];

    /// <summary>The entries that name something (an unset environment variable binds as an empty one).</summary>
    public IEnumerable<string> TrustedEntries => Trusted.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim());

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        TrustedEntries.Where(t => !IPAddress.TryParse(t, out _) && !System.Net.IPNetwork.TryParse(t, out _))
            .Select(t => new ValidationResult($"Proxy:Trusted: '{t}' is neither an IP address nor a network (CIDR).", [nameof(Trusted)]));

    public ForwardedHeadersOptions ToForwardedHeaders()
    {
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var trusted in TrustedEntries)
        {
            if (IPAddress.TryParse(trusted, out var address)) options.KnownProxies.Add(address);
            else options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(trusted));
        }
        return options;
    }
}
