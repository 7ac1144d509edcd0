namespace Archive.Web.Accounts;

/// <summary>Return URLs come from the query string, so only this site's own paths are followed (no open redirect).</summary>
public static class LocalUrls
{
    public static string OrHome(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}
