using System.Text.Json;
using Archive.Data;
using Archive.Data.Circuits;
using Archive.Data.Dictionaries;
using Archive.Data.Specimens;
using Archive.Web.Specimens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Dictionaries;

/// <summary>A feature dictionary (SAE) as listed: what it reads, its shape, how many features have dashboards.</summary>
public sealed record DictionaryResponse(
    string Slug,
    string Title,
    string Description,
    string ModelSlug,
    string ModelName,
    string HookName,
    int HookLayer,
    string Architecture,
    int DIn,
    int DSae,
    int? K,
    int FeatureCount,
    string Sha256,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    string DownloadUrl,
    string? UploadedBy,
    DashboardProgress Dashboards);

/// <summary>Where a dictionary's dashboards stand: computed with it (a bundle's), or the worker's progress on an upload's.</summary>
/// <param name="Step">The worker's step (1-based) of <paramref name="Steps"/>; 0 while queued.</param>
public sealed record DashboardProgress(DashboardStatus Status, int Step, int Steps, string Description, string? Error)
{
    public static readonly DashboardProgress Queued = Of(DashboardStatus.Queued, 0, null);

    /// <param name="status">The job's status; null when the dictionary has no job (its dashboards came with it).</param>
    public static DashboardProgress Of(DashboardStatus? status, int step, string? error) => status switch
    {
        null => new(DashboardStatus.Ready, DashboardSteps.Count, DashboardSteps.Count, "computed when the dictionary was built", null),
        DashboardStatus.Ready => new(DashboardStatus.Ready, DashboardSteps.Count, DashboardSteps.Count, "computed by the archive's worker", null),
        DashboardStatus.Failed => new(DashboardStatus.Failed, step, DashboardSteps.Count, "failed", error),
        var s => new(s.Value, step, DashboardSteps.Count, DashboardSteps.Describe(step), null),
    };

    public bool IsPending => Status is DashboardStatus.Queued or DashboardStatus.Computing;
}

/// <summary>How the dictionary's features are spread: counts per half-decade of log10 density, dead features apart.</summary>
public sealed record DensityBin(double Log10Low, double Log10High, int Count);

public sealed record DictionaryStats(int Features, int Dead, double? MaxActivation, IReadOnlyList<DensityBin> DensityHistogram);

public sealed record FeatureRow(int Index, string Explanation, double Density, double MaxActivation);

public enum FeatureSort
{
    Index,
    Density,
    MaxActivation,
}

/// <summary>The feature table's state; every state is a GET address.</summary>
/// <param name="MinDensity">Keep features at least this dense (a fraction of tokens), e.g. 1e-4 to drop dead and near-dead ones.</param>
/// <param name="MaxDensity">Keep features at most this dense, e.g. 0.01 to drop the dense, hard-to-read ones.</param>
/// <param name="Page">An offset page, kept for the addresses written before cursors; <paramref name="Cursor"/> wins when both are given.</param>
/// <param name="Cursor">A keyset position from a previous page; its sort and direction are the filter's (the caller checks).</param>
public sealed record FeatureTableFilter(string? Q = null, FeatureSort Sort = FeatureSort.Index, bool Descending = false, int Page = 1,
    double? MinDensity = null, double? MaxDensity = null, FeatureCursor? Cursor = null)
{
    public const int PageSize = 50;
    public string? Query => string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();
    public int SafePage => Math.Max(1, Page);

    /// <summary>The page's address; a <paramref name="cursor"/> replaces the page number.</summary>
    public string Link(string slug, int? page = null, FeatureSort? sort = null, bool? descending = null, string? cursor = null)
    {
        var query = new List<KeyValuePair<string, string?>>();
        if (Query is { } q) query.Add(new("q", q));
        var s = sort ?? Sort;
        if (s != FeatureSort.Index) query.Add(new("sort", s == FeatureSort.MaxActivation ? "max" : "density"));
        if (descending ?? Descending) query.Add(new("dir", "desc"));
        if (MinDensity is { } min) query.Add(new("min_density", min.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        if (MaxDensity is { } max) query.Add(new("max_density", max.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var p = page ?? SafePage;
        if (cursor is not null) query.Add(new("cursor", cursor));
        else if (p > 1) query.Add(new("page", p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"/dictionaries/{Uri.EscapeDataString(slug)}", query) + "#features";
    }

    public static FeatureSort ParseSort(string? sort) => sort?.ToLowerInvariant() switch
    {
        "density" => FeatureSort.Density,
        "max" or "max_activation" or "maxactivation" => FeatureSort.MaxActivation,
        _ => FeatureSort.Index,
    };

    /// <summary>Whether a cursor was written for this sort and direction (a cursor from another order names no place in this one).</summary>
    public bool Fits(FeatureCursor cursor) => cursor.Sort == Sort && cursor.Descending == Descending;
}

/// <summary>One page of the feature table as the page shows it: <see cref="Offset"/> rows come before it in the filtered
/// order of <see cref="Total"/>; the cursors continue either way (null at either end).</summary>
public sealed record FeatureTablePage(IReadOnlyList<FeatureRow> Items, int Total, int Page, int PageSize, int Offset = 0,
    string? NextCursor = null, string? PreviousCursor = null)
{
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
    public int FirstIndex => Offset + 1;
    public int LastIndex => Offset + Items.Count;
}

/// <summary>A page of features for API clients walking a dictionary: follow <see cref="NextCursor"/> (also in the
/// <c>Link: rel="next"</c> header) until it is null. No total: counting a million rows on every page would cost more than the page.</summary>
public sealed record FeatureListPage(IReadOnlyList<FeatureRow> Items, int Limit, string? NextCursor, string? PreviousCursor);

public sealed record DictionaryDetailResponse(DictionaryResponse Dictionary, JsonElement Config, string TokenSetDescription, DictionaryStats Stats, FeatureTablePage Features);

/// <summary>Counts of log10(activation) over a feature's non-zero activations, in fixed bins.</summary>
public sealed record FeatureHistogram(double[] Edges, double[] Counts, double Underflow, double Overflow);

public sealed record LogitEffect(string Token, int? TokenId, double Value);

public sealed record SimilarFeature(int Index, double Cosine, string? Explanation, bool HasDashboard);

/// <summary>One top activating context: tokens with the feature's activation on each.</summary>
public sealed record ActivationContext(int Rank, double MaxValue, int MaxTokenIndex, IReadOnlyList<string> Tokens, IReadOnlyList<double> Values);

/// <summary>A circuit node that stands for this feature, in a public specimen revision.</summary>
public sealed record CircuitUse(string SpecimenSlug, string SpecimenTitle, int RevisionNumber, bool IsCurrentRevision, string CircuitSlug,
    string CircuitTitle, string NodeKey, string NodeLabel, double? Activation, double? Influence)
{
    public string Url => $"/specimens/{Uri.EscapeDataString(SpecimenSlug)}/revisions/{RevisionNumber}#circuit-{CircuitSlug}";
}

/// <summary>A feature's dashboard: its <see cref="FeatureRecord"/> (the same JSON as a line of the bulk download), with its
/// dictionary, the circuits using it and its neighbours in index order.</summary>
public sealed record FeatureResponse(
    DictionaryResponse Dictionary,
    int Index,
    string Explanation,
    double Density,
    double MaxActivation,
    FeatureHistogram? Histogram,
    IReadOnlyList<LogitEffect> PositiveLogits,
    IReadOnlyList<LogitEffect> NegativeLogits,
    IReadOnlyList<SimilarFeature> SimilarFeatures,
    IReadOnlyList<ActivationContext> TopActivations,
    IReadOnlyList<CircuitUse> Circuits,
    int? Previous,
    int? Next)
    : FeatureRecord(Index, Explanation, Density, MaxActivation, Histogram, PositiveLogits, NegativeLogits, SimilarFeatures, TopActivations);

/// <summary>
/// Reads for the dictionary pages and API: plain no-tracking projections, a fixed number of queries per page. The
/// per-feature JSON columns are read leniently (the importer's field names, and the obvious alternatives), and a
/// malformed one reads as absent rather than failing the page.
/// </summary>
public static class DictionaryQueries
{
    private static IQueryable<DictionaryResponse> Project(IQueryable<Archive.Data.Dictionaries.FeatureDictionary> query) =>
        query.Select(d => new DictionaryResponse(
            d.Slug, d.Title, d.Description, d.Model.Slug, d.Model.Name, d.HookName, d.HookLayer, d.Architecture, d.DIn, d.DSae, d.K,
            d.Features.Count(), d.Sha256, d.SizeBytes, d.CreatedAt, "/api/v1/dictionaries/" + d.Slug + "/download",
            d.SubmittedBy == null ? null : d.SubmittedBy.Handle,
            DashboardProgress.Of(d.DashboardJob == null ? null : d.DashboardJob.Status,
                d.DashboardJob == null ? 0 : d.DashboardJob.Step, d.DashboardJob == null ? null : d.DashboardJob.Error)));

    public static Task<List<DictionaryResponse>> ListAsync(ArchiveDbContext db, CancellationToken ct) =>
        Project(db.FeatureDictionaries.AsNoTracking().OrderBy(d => d.Model.Slug).ThenBy(d => d.HookLayer).ThenBy(d => d.Slug)).ToListAsync(ct);

    public static async Task<(int Id, DictionaryResponse Dictionary)?> FindAsync(ArchiveDbContext db, string slug, CancellationToken ct)
    {
        var id = await db.FeatureDictionaries.AsNoTracking().Where(d => d.Slug == slug).Select(d => (int?)d.Id).SingleOrDefaultAsync(ct);
        if (id is null) return null;
        var dictionary = await Project(db.FeatureDictionaries.AsNoTracking().Where(d => d.Id == id)).SingleAsync(ct);
        return (id.Value, dictionary);
    }

    public static async Task<DictionaryDetailResponse?> LoadDictionaryAsync(ArchiveDbContext db, string slug, FeatureTableFilter filter, CancellationToken ct)
    {
        if (await FindAsync(db, slug, ct) is not { } found) return null;
        var extra = await db.FeatureDictionaries.AsNoTracking().Where(d => d.Id == found.Id)
            .Select(d => new { d.ConfigJson, d.TokenSetDescription }).SingleAsync(ct);
        JsonElement config;
        try
        {
            using var doc = JsonDocument.Parse(extra.ConfigJson);
            config = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            config = default;
        }

        var features = db.Features.AsNoTracking().Where(f => f.FeatureDictionaryId == found.Id);
        var aggregate = await features.GroupBy(_ => 1)
            .Select(g => new { Count = g.Count(), Dead = g.Count(f => f.Density <= 0), Max = g.Max(f => (double?)f.MaxActivation) })
            .SingleOrDefaultAsync(ct);
        // Half-decade bins of log10 density over the live features.
        var bins = await features.Where(f => f.Density > 0)
            .GroupBy(f => Math.Floor(Math.Log10(f.Density) * 2))
            .Select(g => new { Bin = g.Key, Count = g.Count() })
            .OrderBy(b => b.Bin)
            .ToListAsync(ct);
        var histogram = new List<DensityBin>();
        if (bins.Count > 0)
        {
            for (var b = bins[0].Bin; b <= bins[^1].Bin; b++)
                histogram.Add(new DensityBin(b / 2, (b + 1) / 2, bins.FirstOrDefault(x => x.Bin == b)?.Count ?? 0));
        }
        var stats = new DictionaryStats(aggregate?.Count ?? 0, aggregate?.Dead ?? 0, aggregate?.Max, histogram);
        return new DictionaryDetailResponse(found.Dictionary, config, extra.TokenSetDescription, stats, await LoadFeatureTableAsync(db, found.Id, filter, ct));
    }

    public static async Task<FeatureTablePage> LoadFeatureTableAsync(ArchiveDbContext db, int dictionaryId, FeatureTableFilter filter, CancellationToken ct)
    {
        var filtered = Filtered(db, dictionaryId, filter);
        var total = await filtered.CountAsync(ct);
        if (filter.Cursor is { } cursor)
        {
            var (items, next, previous) = await ReadPageAsync(filtered, filter.Sort, filter.Descending, cursor, FeatureTableFilter.PageSize, ct);
            // Where the page sits, for "showing 51–100" and "Page 2 of 3": an index-only count, no dearer than the total above.
            var offset = items.Count > 0
                ? await Seek(filtered, FeatureCursor.BeforeRow(filter.Sort, filter.Descending, items[0])).CountAsync(ct)
                : cursor.Before ? 0 : total;
            return new FeatureTablePage(items, total, offset / FeatureTableFilter.PageSize + 1, FeatureTableFilter.PageSize, offset, next, previous);
        }

        // Offset pages stay for the addresses written before cursors (?page=3); their neighbours are cursors all the same.
        var skip = (filter.SafePage - 1) * FeatureTableFilter.PageSize;
        var rows = await AsRows(Ordered(filtered, filter.Sort, filter.Descending).Skip(skip).Take(FeatureTableFilter.PageSize + 1)).ToListAsync(ct);
        var more = rows.Count > FeatureTableFilter.PageSize;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new FeatureTablePage(rows, total, filter.SafePage, FeatureTableFilter.PageSize, skip,
            more ? FeatureCursor.After(filter.Sort, filter.Descending, rows[^1]).Encode() : null,
            skip > 0 && rows.Count > 0 ? FeatureCursor.BeforeRow(filter.Sort, filter.Descending, rows[0]).Encode() : null);
    }

    /// <summary>The features API's page: the keyset read alone, no counts, so its cost does not grow with depth.</summary>
    public static async Task<FeatureListPage> LoadFeatureListAsync(ArchiveDbContext db, int dictionaryId, FeatureTableFilter filter, int limit, CancellationToken ct)
    {
        var (items, next, previous) = await ReadPageAsync(Filtered(db, dictionaryId, filter), filter.Sort, filter.Descending, filter.Cursor, limit, ct);
        return new FeatureListPage(items, limit, next, previous);
    }

    private static IQueryable<Archive.Data.Dictionaries.Feature> Filtered(ArchiveDbContext db, int dictionaryId, FeatureTableFilter filter)
    {
        var query = db.Features.AsNoTracking().Where(f => f.FeatureDictionaryId == dictionaryId);
        if (filter.Query is { } q)
        {
            if (int.TryParse(q, out var index))
                query = query.Where(f => f.Index == index || EF.Functions.ILike(f.Explanation, "%" + EscapeLike(q) + "%"));
            else
                query = query.Where(f => EF.Functions.ILike(f.Explanation, "%" + EscapeLike(q) + "%"));
        }
        if (filter.MinDensity is { } minDensity) query = query.Where(f => f.Density >= minDensity);
        if (filter.MaxDensity is { } maxDensity) query = query.Where(f => f.Density <= maxDensity);
        return query;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> rows after the cursor (or before it, for a cursor that looks back), in the sort's
    /// order. One row more than asked tells whether the walk goes on, so the last page has no next cursor.
    /// </summary>
    private static async Task<(List<FeatureRow> Items, string? Next, string? Previous)> ReadPageAsync(
        IQueryable<Archive.Data.Dictionaries.Feature> filtered, FeatureSort sort, bool descending, FeatureCursor? cursor, int limit, CancellationToken ct)
    {
        var backward = cursor is { Before: true };
        var seek = cursor is { } c ? Seek(filtered, c) : filtered;
        // Looking back reads the opposite order from the cursor (the same index, scanned the other way) and turns the rows round.
        var rows = await AsRows(Ordered(seek, sort, descending != backward).Take(limit + 1)).ToListAsync(ct);
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        if (backward) rows.Reverse();

        string? After() => rows.Count > 0 ? FeatureCursor.After(sort, descending, rows[^1]).Encode() : cursor!.Value.Flipped().Encode();
        string? Before() => rows.Count > 0 ? FeatureCursor.BeforeRow(sort, descending, rows[0]).Encode() : cursor!.Value.Flipped().Encode();
        return backward
            ? (rows, After(), more ? Before() : null)
            : (rows, more ? After() : null, cursor is null ? null : Before());
    }

    /// <summary>
    /// The one ordering of the table: (key, index), both ascending or both descending, so the pair is unique, ties fall
    /// in index order, and a single B-tree on (dictionary, key, index) serves both directions (scanned backward for
    /// descending). Descending therefore lists tied features (the dead ones, all at density 0) from the highest index.
    /// </summary>
    private static IQueryable<Archive.Data.Dictionaries.Feature> Ordered(IQueryable<Archive.Data.Dictionaries.Feature> query, FeatureSort sort, bool descending) =>
        (sort, descending) switch
        {
            (FeatureSort.Density, false) => query.OrderBy(f => f.Density).ThenBy(f => f.Index),
            (FeatureSort.Density, true) => query.OrderByDescending(f => f.Density).ThenByDescending(f => f.Index),
            (FeatureSort.MaxActivation, false) => query.OrderBy(f => f.MaxActivation).ThenBy(f => f.Index),
            (FeatureSort.MaxActivation, true) => query.OrderByDescending(f => f.MaxActivation).ThenByDescending(f => f.Index),
            (_, true) => query.OrderByDescending(f => f.Index),
            _ => query.OrderBy(f => f.Index),
        };

    /// <summary>
    /// The rows strictly after the cursor in its order, or strictly before it when it looks back: a row comparison
    /// <c>(key, index) &gt; (@key, @index)</c> that PostgreSQL turns into an index range, so a deep page costs what the first does.
    /// </summary>
    private static IQueryable<Archive.Data.Dictionaries.Feature> Seek(IQueryable<Archive.Data.Dictionaries.Feature> query, FeatureCursor cursor)
    {
        var greater = cursor.Before == cursor.Descending;
        var key = cursor.Key;
        var index = cursor.Index;
        return (cursor.Sort, greater) switch
        {
            (FeatureSort.Density, true) => query.Where(f => EF.Functions.GreaterThan(ValueTuple.Create(f.Density, f.Index), ValueTuple.Create(key, index))),
            (FeatureSort.Density, false) => query.Where(f => EF.Functions.LessThan(ValueTuple.Create(f.Density, f.Index), ValueTuple.Create(key, index))),
            (FeatureSort.MaxActivation, true) => query.Where(f => EF.Functions.GreaterThan(ValueTuple.Create(f.MaxActivation, f.Index), ValueTuple.Create(key, index))),
            (FeatureSort.MaxActivation, false) => query.Where(f => EF.Functions.LessThan(ValueTuple.Create(f.MaxActivation, f.Index), ValueTuple.Create(key, index))),
            (_, true) => query.Where(f => f.Index > index),
            _ => query.Where(f => f.Index < index),
        };
    }

    private static IQueryable<FeatureRow> AsRows(IQueryable<Archive.Data.Dictionaries.Feature> query) =>
        query.Select(f => new FeatureRow(f.Index, f.Explanation, f.Density, f.MaxActivation));

    public static async Task<FeatureResponse?> LoadFeatureAsync(ArchiveDbContext db, string slug, int index, CancellationToken ct)
    {
        if (await FindAsync(db, slug, ct) is not { } found) return null;
        // The same read as the bulk download's, so a feature's JSON is the same in both.
        var page = await FeatureRecords.ReadPageAsync(db, found.Id, index, 1, FeatureParts.All, ct);
        if (page is not [{ } feature] || feature.Index != index) return null;

        // Everyone gets the same document (it is kept per version): the circuits of revisions the public may open.
        var publicRevisions = db.SpecimenRevisions.ViewableRevisionIds(SpecimenViewer.Public);
        var circuits = await (
                from n in db.CircuitNodes.AsNoTracking()
                where n.Kind == CircuitNodeKind.Feature && n.FeatureDictionaryId == found.Id && n.Index == index
                join c in db.Circuits on n.CircuitId equals c.Id
                where publicRevisions.Contains(c.RevisionId)
                orderby c.Revision.Specimen.Slug, c.Revision.Number descending, c.Slug, n.Key
                select new CircuitUse(c.Revision.Specimen.Slug, c.Revision.Specimen.Title, c.Revision.Number,
                    c.Revision.Specimen.CurrentRevisionId == c.RevisionId, c.Slug, c.Title, n.Key, n.Label, n.Activation, n.Influence))
            .ToListAsync(ct);

        var previous = await db.Features.AsNoTracking().Where(f => f.FeatureDictionaryId == found.Id && f.Index < index)
            .OrderByDescending(f => f.Index).Select(f => (int?)f.Index).FirstOrDefaultAsync(ct);
        var next = await db.Features.AsNoTracking().Where(f => f.FeatureDictionaryId == found.Id && f.Index > index)
            .OrderBy(f => f.Index).Select(f => (int?)f.Index).FirstOrDefaultAsync(ct);

        return new FeatureResponse(found.Dictionary, index, feature.Explanation, feature.Density, feature.MaxActivation,
            feature.Histogram, feature.PositiveLogits, feature.NegativeLogits, feature.SimilarFeatures, feature.TopActivations,
            circuits, previous, next);
    }

    internal static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary><c>{ "edges": [...], "counts": [...] }</c> (or <c>bin_edges</c>), with optional underflow and overflow counts.</summary>
    public static FeatureHistogram? ReadHistogram(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var edges = Numbers(root, "edges") ?? Numbers(root, "bin_edges") ?? Numbers(root, "BinEdges");
            var counts = Numbers(root, "counts") ?? Numbers(root, "Counts");
            if (edges is null || counts is null || edges.Length != counts.Length + 1 || counts.Length == 0) return null;
            return new FeatureHistogram(edges, counts, Number(root, "underflow") ?? Number(root, "Underflow") ?? 0, Number(root, "overflow") ?? Number(root, "Overflow") ?? 0);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>[{ "token": " the", "value": 0.5 }]</c>; <c>token_id</c> and <c>effect</c> are read too.</summary>
    public static List<LogitEffect> ReadLogits(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
            var result = new List<LogitEffect>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) continue;
                int? id = item.TryGetProperty("token_id", out var t) && t.TryGetInt32(out var i) ? i : null;
                var token = item.TryGetProperty("token", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : id is { } tid ? $"#{tid}" : null;
                var value = Number(item, "value") ?? Number(item, "effect");
                if (token is not null && value is { } v) result.Add(new LogitEffect(token, id, v));
            }
            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary><c>[{ "index": 12, "cosine": 0.8 }]</c>.</summary>
    public static List<SimilarFeature> ReadSimilar(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
            var result = new List<SimilarFeature>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("index", out var ix) && ix.TryGetInt32(out var index)
                    && (Number(item, "cosine") ?? Number(item, "similarity")) is { } cosine)
                    result.Add(new SimilarFeature(index, cosine, null, false));
            }
            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static double[]? Numbers(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number)
            ? v.EnumerateArray().Select(x => x.GetDouble()).ToArray()
            : null;

    private static double? Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
