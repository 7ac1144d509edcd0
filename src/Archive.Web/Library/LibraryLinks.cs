using Archive.Data.Specimens;
using Microsoft.AspNetCore.WebUtilities;

namespace Archive.Web.Library;

/// <summary>Library URLs: every search state is a shareable GET address.</summary>
public static class LibraryLinks
{
    public static string For(LibraryFilter filter)
    {
        var query = new List<KeyValuePair<string, string?>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) query.Add(new(key, value));
        }
        Add("q", filter.Query);
        Add("model", filter.Model);
        Add("technique", filter.Technique);
        Add("tag", filter.Tag);
        Add("status", filter.Status?.ToString());
        if (filter.Sort != LibrarySort.Relevance) Add("sort", filter.Sort.ToString().ToLowerInvariant());
        if (filter.SafePage > 1) Add("page", filter.SafePage.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return QueryHelpers.AddQueryString("/library", query);
    }

    public static string Tag(string tag) => For(new LibraryFilter(Tag: tag));
    public static string Technique(string technique) => For(new LibraryFilter(Technique: technique));
    public static string Model(string slug) => For(new LibraryFilter(Model: slug));
    public static string Status(ClaimStatus status) => For(new LibraryFilter(Status: status));

    public static ClaimStatus? ParseStatus(string? value) =>
        Enum.TryParse<ClaimStatus>(value, ignoreCase: true, out var status) && Enum.IsDefined(status) ? status : null;

    public static LibrarySort ParseSort(string? value) =>
        Enum.TryParse<LibrarySort>(value, ignoreCase: true, out var sort) && Enum.IsDefined(sort) ? sort : LibrarySort.Relevance;
}
