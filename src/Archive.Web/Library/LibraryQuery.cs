using Archive.Data;
using Archive.Data.Specimens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Library;

public enum LibrarySort
{
    /// <summary>Full-text rank when there is a query; newest otherwise.</summary>
    Relevance,
    Newest,
    Title,
}

/// <summary>A library search, as the query string carries it (<c>?q=&amp;model=&amp;technique=&amp;tag=&amp;status=&amp;sort=&amp;page=</c>).</summary>
public sealed record LibraryFilter(
    string? Q = null,
    string? Model = null,
    string? Technique = null,
    string? Tag = null,
    ClaimStatus? Status = null,
    LibrarySort Sort = LibrarySort.Relevance,
    int Page = 1,
    int PageSize = 20)
{
    public string? Query => string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();
    public int SafePage => Math.Max(1, Page);
    public int SafePageSize => Math.Clamp(PageSize, 1, 100);
}

public sealed record LibraryItem(
    string Slug,
    string Title,
    string Summary,
    string Behaviour,
    string ModelSlug,
    string ModelName,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<string> Authors,
    ClaimStatus ClaimStatus,
    SpecimenStatus Status,
    bool Featured,
    DateTimeOffset? PublishedAt,
    int ClaimCount);

/// <summary>A facet value and how many results it would leave (with the other filters applied).</summary>
public sealed record FacetCount(string Value, string Label, int Count);

public sealed record LibraryFacets(
    IReadOnlyList<FacetCount> Models,
    IReadOnlyList<FacetCount> Techniques,
    IReadOnlyList<FacetCount> Tags,
    IReadOnlyList<FacetCount> Statuses);

public sealed record LibraryPage(IReadOnlyList<LibraryItem> Items, int Total, int Page, int PageSize, LibraryFacets Facets)
{
    public int PageCount => Total == 0 ? 0 : (Total + PageSize - 1) / PageSize;
    public bool HasPrevious => Page > 1;
    public bool HasNext => Page < PageCount;
    public int FirstIndex => Total == 0 ? 0 : (Page - 1) * PageSize + 1;
    public int LastIndex => Math.Min(Total, Page * PageSize);
}

/// <summary>
/// The library: published specimens, searched with PostgreSQL full text (<c>websearch_to_tsquery</c> over the
/// generated, weighted <c>search_vector</c>, ranked with <c>ts_rank</c>) and filtered by model, technique, tag and claim
/// status. Facet counts are disjunctive: each facet counts with every filter but its own, so the other choices stay
/// visible. Shared by the library page, the REST API and the benchmarks.
/// </summary>
public static class LibraryQuery
{
    public const int MaxFacetValues = 30;

    public static async Task<LibraryPage> RunAsync(ArchiveDbContext db, LibraryFilter filter, CancellationToken ct)
    {
        var page = filter.SafePage;
        var pageSize = filter.SafePageSize;
        var q = filter.Query;

        var all = Filtered(db, filter, q, model: true, technique: true, tag: true, status: true);
        var total = await all.CountAsync(ct);

        IQueryable<Specimen> ordered = (filter.Sort, q) switch
        {
            (LibrarySort.Title, _) => all.OrderBy(s => s.Title).ThenBy(s => s.Id),
            (LibrarySort.Relevance, not null) => all
                .OrderByDescending(s => s.SearchVector.Rank(EF.Functions.WebSearchToTsQuery("english", q)))
                .ThenByDescending(s => s.PublishedAt)
                .ThenBy(s => s.Id),
            _ => all.OrderByDescending(s => s.PublishedAt).ThenByDescending(s => s.Id),
        };

        var items = total == 0
            ? []
            : await ordered
                .Skip((page - 1) * pageSize)
                .Take(pageSize)
                .SelectItems()
                .ToListAsync(ct);

        var models = await Filtered(db, filter, q, model: false, technique: true, tag: true, status: true)
            .GroupBy(s => new { s.Model.Slug, s.Model.Name })
            .Select(g => new FacetCount(g.Key.Slug, g.Key.Name, g.Count()))
            .ToListAsync(ct);

        var techniques = await Filtered(db, filter, q, model: true, technique: false, tag: true, status: true)
            .SelectMany(s => s.Techniques)
            .GroupBy(t => t)
            .Select(g => new FacetCount(g.Key, g.Key, g.Count()))
            .ToListAsync(ct);

        var tags = await Filtered(db, filter, q, model: true, technique: true, tag: false, status: true)
            .SelectMany(s => s.Tags)
            .GroupBy(t => t)
            .Select(g => new FacetCount(g.Key, g.Key, g.Count()))
            .ToListAsync(ct);

        var statusCounts = await Filtered(db, filter, q, model: true, technique: true, tag: true, status: false)
            .GroupBy(s => s.ClaimStatus)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var statuses = Enum.GetValues<ClaimStatus>()
            .Select(st => new FacetCount(st.ToString(), st.ToString(), statusCounts.FirstOrDefault(c => c.Key == st)?.Count ?? 0))
            .ToList();

        var facets = new LibraryFacets(Top(models, filter.Model), Top(techniques, filter.Technique), Top(tags, filter.Tag), statuses);
        return new LibraryPage(items, total, page, pageSize, facets);
    }

    /// <summary>The list-card projection of specimens, shared by the home page.</summary>
    public static IQueryable<LibraryItem> SelectItems(this IQueryable<Specimen> specimens) =>
        specimens.Select(s => new LibraryItem(
            s.Slug,
            s.Title,
            s.Summary,
            s.Behaviour,
            s.Model.Slug,
            s.Model.Name,
            s.Tags,
            s.Techniques,
            s.Authors,
            s.ClaimStatus,
            s.Status,
            s.Featured,
            s.PublishedAt,
            s.CurrentRevision == null ? 0 : s.CurrentRevision.Claims.Count));

    /// <summary>The most frequent values, keeping the selected one even when it is rare.</summary>
    private static List<FacetCount> Top(List<FacetCount> counts, string? selected) =>
        counts
            .OrderByDescending(c => c.Count).ThenBy(c => c.Label, StringComparer.OrdinalIgnoreCase)
            .Where((c, i) => i < MaxFacetValues || c.Value == selected)
            .ToList();

    private static IQueryable<Specimen> Filtered(ArchiveDbContext db, LibraryFilter filter, string? q, bool model, bool technique, bool tag, bool status)
    {
        var query = db.Specimens.AsNoTracking().Where(s => s.Status == SpecimenStatus.Published);
        if (q is not null)
            query = query.Where(s => s.SearchVector.Matches(EF.Functions.WebSearchToTsQuery("english", q)));
        if (model && !string.IsNullOrWhiteSpace(filter.Model))
            query = query.Where(s => s.Model.Slug == filter.Model);
        if (technique && !string.IsNullOrWhiteSpace(filter.Technique))
            query = query.Where(s => s.Techniques.Contains(filter.Technique));
        if (tag && !string.IsNullOrWhiteSpace(filter.Tag))
            query = query.Where(s => s.Tags.Contains(filter.Tag));
        if (status && filter.Status is { } st)
            query = query.Where(s => s.ClaimStatus == st);
        return query;
    }
}
