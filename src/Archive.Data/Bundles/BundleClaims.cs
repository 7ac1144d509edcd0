using Archive.Formats.Claims;

namespace Archive.Data.Bundles;

/// <summary>A bundle's claims read by the method rules the worker uses, for the importer and for submissions alike.</summary>
public static class BundleClaims
{
    /// <summary>The claims that read; each fault of the others is added to <paramref name="faults"/>, named by its claim's key.</summary>
    public static List<(string Key, ClaimDefinition Definition)> Parse(IEnumerable<BundleClaim> claims, List<string> faults)
    {
        var parsed = new List<(string, ClaimDefinition)>();
        foreach (var claim in claims)
        {
            var errors = new List<ClaimFieldError>();
            var definition = ClaimMethods.TryParse(claim.Method, claim.Targets, claim.Parameters, errors);
            if (definition is null) faults.Add($"claim '{claim.Key}': {string.Join("; ", errors)}");
            else parsed.Add((claim.Key, definition));
        }
        return parsed;
    }
}
