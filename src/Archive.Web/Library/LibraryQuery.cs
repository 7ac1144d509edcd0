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

        // One pass over the published specimens that match the text (the only full-text match and ranking of the
        // request); counts, facets and order are then worked out from these small rows, and only the page's cards are
        // read in full. Six round trips that each re-ran the match cost more than the whole page's budget.
        var published = db.Specimens.AsNoTracking().Where(s => SpecimenVisibility.Listed.Contains(s.Status));
        if (q is not null) published = published.Where(s => s.SearchVector.Matches(EF.Functions.WebSearchToTsQuery("english", q)));
        var rows = await published
            .Select(s => new FacetRow(
                s.Id, s.Slug, s.Model.Slug, s.Model.Name, s.Techniques, s.Tags, s.ClaimStatus, s.Title, s.PublishedAt,
                q == null ? 0f : s.SearchVector.Rank(EF.Functions.WebSearchToTsQuery("english", q))))
            .ToListAsync(ct);

        var matching = rows.Where(r => r.Matches(filter, model: true, technique: true, tag: true, status: true)).ToList();
        IEnumerable<FacetRow> ordered = (filter.Sort, q) switch
        {
            (LibrarySort.Title, _) => matching.OrderBy(r => r.Title, StringComparer.Ordinal).ThenBy(r => r.Id),
            (LibrarySort.Relevance, not null) => matching.OrderByDescending(r => r.Rank).ThenByDescending(r => r.PublishedAt).ThenBy(r => r.Id),
            _ => matching.OrderByDescending(r => r.PublishedAt).ThenByDescending(r => r.Id),
        };
        var pageRows = ordered.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var pageIds = pageRows.Select(r => r.Id).ToList();
        var cards = pageIds.Count == 0
            ? []
            : await db.Specimens.AsNoTracking().Where(s => pageIds.Contains(s.Id)).SelectItems().ToListAsync(ct);
        var bySlug = cards.ToDictionary(c => c.Slug, StringComparer.Ordinal);
        var items = pageRows.Select(r => bySlug[r.Slug]).ToList();

        var models = rows.Where(r => r.Matches(filter, model: false, technique: true, tag: true, status: true))
            .GroupBy(r => (r.ModelSlug, r.ModelName))
            .Select(g => new FacetCount(g.Key.ModelSlug, g.Key.ModelName, g.Count()))
            .ToList();
        var techniques = rows.Where(r => r.Matches(filter, model: true, technique: false, tag: true, status: true))
            .SelectMany(r => r.Techniques).GroupBy(t => t).Select(g => new FacetCount(g.Key, g.Key, g.Count())).ToList();
        var tags = rows.Where(r => r.Matches(filter, model: true, technique: true, tag: false, status: true))
            .SelectMany(r => r.Tags).GroupBy(t => t).Select(g => new FacetCount(g.Key, g.Key, g.Count())).ToList();
        var statusRows = rows.Where(r => r.Matches(filter, model: true, technique: true, tag: true, status: false)).ToList();
        var statuses = Enum.GetValues<ClaimStatus>()
            .Select(st => new FacetCount(st.ToString(), st.ToString(), statusRows.Count(r => r.ClaimStatus == st)))
            .ToList();

        var facets = new LibraryFacets(Top(models, filter.Model), Top(techniques, filter.Technique), Top(tags, filter.Tag), statuses);
        return new LibraryPage(items, matching.Count, page, pageSize, facets);
    }

    /// <summary>What counting, faceting and ordering need of a specimen, read once per search.</summary>
    private sealed record FacetRow(
        int Id, string Slug, string ModelSlug, string ModelName, List<string> Techniques, List<string> Tags, ClaimStatus ClaimStatus,
        string Title, DateTimeOffset? PublishedAt, float Rank)
    {
        /// <summary>Whether the row passes the filters; each facet is counted with every filter but its own.</summary>
        public bool Matches(LibraryFilter filter, bool model, bool technique, bool tag, bool status) =>
            (!model || string.IsNullOrWhiteSpace(filter.Model) || ModelSlug == filter.Model) &&
            (!technique || string.IsNullOrWhiteSpace(filter.Technique) || Techniques.Contains(filter.Technique)) &&
            (!tag || string.IsNullOrWhiteSpace(filter.Tag) || Tags.Contains(filter.Tag)) &&
            (!status || filter.Status is not { } st || ClaimStatus == st);
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
}
