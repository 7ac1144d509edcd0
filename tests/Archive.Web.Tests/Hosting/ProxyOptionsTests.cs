using System.ComponentModel.DataAnnotations;
using System.Net;
using Archive.Web.Infrastructure;

namespace Archive.Web.Tests.Hosting;

/// <summary>Only the configured proxies' forwarded headers are believed; a mistyped entry stops the site at start.</summary>
public sealed class ProxyOptionsTests
{
    [Fact]
    public void Addresses_and_networks_become_the_only_trusted_forwarders_and_an_empty_entry_is_nothing()
    {
        var options = new ProxyOptions { Trusted = ["10.0.0.2", "172.16.0.0/12", ""] }.ToForwardedHeaders();

        Assert.Equal([IPAddress.Parse("10.0.0.2")], options.KnownProxies);
        Assert.Equal([System.Net.IPNetwork.Parse("172.16.0.0/12")], options.KnownIPNetworks);
    }

    [Fact]
    public void An_entry_that_is_neither_an_address_nor_a_network_is_an_error()
    {
        var options = new ProxyOptions { Trusted = ["10.0.0.2", "proxy.internal"] };

        var errors = options.Validate(new ValidationContext(options)).ToList();

        Assert.Single(errors);
        Assert.Contains("proxy.internal", errors[0].ErrorMessage);
    }
}
