using System.Globalization;
using System.Text.Json;
using Archive.Web.Components.Shared;

namespace Archive.Web.Evidence;

/// <summary>An artifact the worker wrote, recognised by its shape so the page can draw it.</summary>
public abstract record ArtifactView(string Key, string Title);

/// <summary><c>{ title, rows, columns, values: [[...]] }</c>: attention patterns, per-head scores, Gram matrices.</summary>
public sealed record HeatmapArtifact(string Key, string Title, string Rows, string Columns, double[][] Values) : ArtifactView(Key, Title);

/// <summary><c>{ title, labels: [...], values: [...] }</c>: one value per named component or feature.</summary>
public sealed record BarArtifact(string Key, string Title, IReadOnlyList<string> Labels, double[] Values) : ArtifactView(Key, Title);

/// <summary><c>{ title, x, y, values: [...] }</c> without labels: a series over positions or steps.</summary>
public sealed record LineArtifact(string Key, string Title, string X, string Y, double[] Values) : ArtifactView(Key, Title);

/// <summary>Anything else: shown as its JSON.</summary>
public sealed record RawArtifact(string Key, string Title, string Json) : ArtifactView(Key, Title);

/// <summary>A radial tuning curve: responses to curves by orientation, and to straight lines as its control.</summary>
public sealed record PolarArtifact(string Key, string Title, double[] Orientations, double[] Curves, double[]? LineOrientations, double[]? Lines)
    : ArtifactView(Key, Title);

/// <summary>
/// Reading the jsonb parts of an evidence record (parameters, inputs, numbers, artifacts, provenance). The worker writes
/// non-finite numbers as the strings "NaN", "Infinity" and "-Infinity"; they read back as doubles here.
/// </summary>
public static class EvidenceJson
{
    public static bool TryNumber(JsonElement e, out double value)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                value = e.GetDouble();
                return true;
            case JsonValueKind.String when e.GetString() is "NaN" or "Infinity" or "-Infinity":
                value = double.Parse(e.GetString()!, CultureInfo.InvariantCulture);
                return true;
            case JsonValueKind.Null:
                value = double.NaN;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>A non-empty array of numbers, or null.</summary>
    public static double[]? Vector(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) return null;
        var result = new double[e.GetArrayLength()];
        var i = 0;
        var anyNumber = false;
        foreach (var item in e.EnumerateArray())
        {
            if (!TryNumber(item, out result[i++])) return null;
            anyNumber |= item.ValueKind == JsonValueKind.Number;
        }
        return anyNumber ? result : null;
    }

    /// <summary>A non-empty array of non-empty numeric arrays, or null.</summary>
    public static double[][]? Matrix(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) return null;
        var rows = new double[e.GetArrayLength()][];
        var i = 0;
        foreach (var row in e.EnumerateArray())
        {
            if (Vector(row) is not { } v) return null;
            rows[i++] = v;
        }
        return rows;
    }

    /// <summary>An array whose items are all integers (token ids), as rows of ints; or null.</summary>
    public static int[][]? IntMatrix(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) return null;
        var rows = new List<int[]>();
        foreach (var row in e.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array) return null;
            var ids = new List<int>();
            foreach (var item in row.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id)) return null;
                ids.Add(id);
            }
            rows.Add([.. ids]);
        }
        return [.. rows];
    }

    public static bool IsScalar(JsonElement e) => e.ValueKind is JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null;

    /// <summary>An array of objects (one row per component), shown as a table.</summary>
    public static bool IsTable(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e.EnumerateArray().All(i => i.ValueKind == JsonValueKind.Object && i.EnumerateObject().All(p => IsScalar(p.Value)));

    /// <summary>Columns of a table of objects, in first-seen order.</summary>
    public static List<string> TableColumns(JsonElement e) =>
        e.EnumerateArray().SelectMany(i => i.EnumerateObject().Select(p => p.Name)).Distinct().ToList();

    /// <summary>A value as text: numbers formatted as on every page, strings as they are, the rest as compact JSON.</summary>
    public static string Display(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : Format.Number(e.GetDouble()),
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => e.GetRawText(),
    };

    /// <summary>The exact value, for tooltips: numbers in round-trip form.</summary>
    public static string Exact(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetRawText() : Display(e);

    public static string? String(JsonElement? e, string name) =>
        e is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

    public static double? Double(JsonElement? e, string name) =>
        e is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static DateTimeOffset? Date(JsonElement? e, string name) =>
        e is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var d) ? d : null;

    public static IEnumerable<JsonProperty> Properties(JsonElement? e) =>
        e is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject() : [];

    /// <summary>Every artifact the record holds, drawn where its shape is known. Arrays of artifacts (one attention
    /// pattern per head) are flattened in order.</summary>
    public static List<ArtifactView> Artifacts(JsonElement? artifacts)
    {
        var result = new List<ArtifactView>();
        foreach (var property in Properties(artifacts))
        {
            if (property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0 && property.Value.EnumerateArray().All(i => i.ValueKind == JsonValueKind.Object))
            {
                var i = 0;
                foreach (var item in property.Value.EnumerateArray()) result.Add(Classify($"{property.Name}-{i++}", item));
            }
            else if (property.Value.ValueKind != JsonValueKind.Null)
            {
                result.Add(Classify(property.Name, property.Value));
            }
        }
        return result;
    }

    private static ArtifactView Classify(string key, JsonElement e)
    {
        var title = String(e, "title") ?? Humanise(key);
        if (e.ValueKind == JsonValueKind.Object
            && e.TryGetProperty("orientations", out var orientations) && Vector(orientations) is { } angles
            && e.TryGetProperty("curves", out var curves) && Vector(curves) is { } responses && responses.Length == angles.Length)
        {
            var lineAngles = e.TryGetProperty("line_orientations", out var lo) ? Vector(lo) : null;
            var lines = e.TryGetProperty("lines", out var l) ? Vector(l) : null;
            var control = lineAngles is not null && lines is not null && lineAngles.Length == lines.Length;
            return new PolarArtifact(key, title, angles, responses, control ? lineAngles : null, control ? lines : null);
        }
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("values", out var values))
        {
            if (Matrix(values) is { } matrix)
                return new HeatmapArtifact(key, title, String(e, "rows") ?? "row", String(e, "columns") ?? "column", matrix);
            if (Vector(values) is { } vector)
            {
                if (e.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Array)
                    return new BarArtifact(key, title, labels.EnumerateArray().Select(Display).ToList(), vector);
                return new LineArtifact(key, title, String(e, "x") ?? "index", String(e, "y") ?? "value", vector);
            }
        }
        return new RawArtifact(key, title, JsonSerializer.Serialize(e, Indented));
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Humanise(string key) => key.Replace('_', ' ');

    public static string Pretty(JsonElement e) => JsonSerializer.Serialize(e, Indented);
}
