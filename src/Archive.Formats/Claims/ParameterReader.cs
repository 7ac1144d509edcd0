using System.Text.Json;
using System.Text.Json.Nodes;

namespace Archive.Formats.Claims;

/// <summary>One fault in a claim, named by where it is: <c>parameters.token_set.windows</c>, <c>targets[1]</c>.</summary>
public sealed record ClaimFieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// Reads one JSON object of method parameters strictly: each value must have the expected type and range, defaults fill
/// what is absent, and a key the method does not know is an error (a typo such as <c>seqlen</c> would otherwise run
/// with the default and check something other than what the author meant).
/// A reader made by <see cref="Describing"/> reads no claim: it records, as JSON Schema, every parameter the method's own
/// reading code asks for (type, range, choices, default), so the schema the site's form is built from cannot drift from
/// the rule the worker applies (<see cref="ParameterSchemas"/>).
/// </summary>
public sealed class ParameterReader
{
    private readonly JsonElement element;
    private readonly string path;
    private readonly List<ClaimFieldError> errors;
    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    /// <summary>The schema object this reader describes into; null when it reads a claim.</summary>
    private readonly JsonObject? schema;

    private ParameterReader(JsonObject schema, string path)
    {
        this.schema = schema;
        this.path = path;
        errors = [];
        schema["type"] = "object";
        schema["properties"] = new JsonObject();
        schema["additionalProperties"] = false;
    }

    /// <summary>A reader of no parameters that writes the JSON Schema of what it is asked for into <paramref name="schema"/>.</summary>
    public static ParameterReader Describing(JsonObject schema) => new(schema, "parameters");

    /// <summary>Adds <paramref name="facts"/> to the schema of parameter <paramref name="name"/> (a parameter read by two
    /// calls, such as <see cref="Int"/> through <see cref="OptionalInt"/>, gathers both calls' facts).</summary>
    private void Describe(string name, params (string Key, JsonNode? Value)[] facts)
    {
        if (schema is null) return;
        var properties = (JsonObject)schema["properties"]!;
        if (properties[name] is not JsonObject property) properties[name] = property = new JsonObject();
        foreach (var (key, value) in facts)
        {
            if (value is null) property.Remove(key);
            else property[key] = value;
        }
    }

    private static JsonArray Array<T>(IEnumerable<T> values) => new([.. values.Select(v => JsonValue.Create(v))]);

    public ParameterReader(JsonElement? element, string path, List<ClaimFieldError> errors)
    {
        this.path = path;
        this.errors = errors;
        if (element is { ValueKind: JsonValueKind.Object } e) this.element = e;
        else if (element is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) }) errors.Add(new(path, "must be an object"));
    }

    private bool TryGet(string name, out JsonElement value)
    {
        read.Add(name);
        value = default;
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
    }

    private T Fail<T>(string name, string message, T fallback)
    {
        errors.Add(new($"{path}.{name}", message));
        return fallback;
    }

    public long Long(string name, long fallback)
    {
        Describe(name, ("type", "integer"), ("default", fallback));
        return !TryGet(name, out var v) ? fallback : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x : Fail(name, "must be an integer", fallback);
    }

    public int Int(string name, int fallback, int min, int max)
    {
        var value = OptionalInt(name, min, max);
        Describe(name, ("default", fallback));
        return value ?? fallback;
    }

    public int? OptionalInt(string name, int min, int max)
    {
        Describe(name, ("type", "integer"), ("minimum", min), ("maximum", max));
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var x)) return Fail<int?>(name, "must be an integer", null);
        return x < min || x > max ? Fail<int?>(name, $"must lie in [{min}, {max}]", null) : x;
    }

    public long? OptionalLong(string name)
    {
        Describe(name, ("type", "integer"));
        return !TryGet(name, out var v) ? null : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x : Fail<long?>(name, "must be an integer", null);
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when absent.</summary>
    public double Double(string name, double fallback, double min, double max)
    {
        Describe(name, ("type", "number"), ("minimum", min), ("maximum", max), ("default", fallback));
        if (!TryGet(name, out var v)) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x) || !double.IsFinite(x)) return Fail(name, "must be a number", fallback);
        return x < min || x > max ? Fail(name, $"must lie in [{min}, {max}]", fallback) : x;
    }

    /// <summary>A list of distinct integers in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when absent.</summary>
    public IReadOnlyList<int> IntList(string name, IReadOnlyList<int> fallback, int min, int max, int maxCount = 1024)
    {
        Describe(name, ("type", "array"), ("items", new JsonObject { ["type"] = "integer", ["minimum"] = min, ["maximum"] = max }),
            ("uniqueItems", true), ("maxItems", maxCount), ("default", Array(fallback)));
        if (!TryGet(name, out var v)) return fallback;
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > maxCount) return Fail(name, $"must be an array of at most {maxCount} integers", fallback);
        var list = new List<int>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var x) || x < min || x > max)
                return Fail(name, $"must hold integers in [{min}, {max}]", fallback);
            if (list.Contains(x)) return Fail(name, $"holds {x} twice", fallback);
            list.Add(x);
        }
        return list;
    }

    public bool Bool(string name, bool fallback)
    {
        Describe(name, ("type", "boolean"), ("default", fallback));
        return !TryGet(name, out var v) ? fallback : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : Fail(name, "must be true or false", fallback);
    }

    public string? OptionalString(string name, int maxLength = 200)
    {
        Describe(name, ("type", "string"), ("maxLength", maxLength));
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.String) return Fail<string?>(name, "must be a string", null);
        var s = v.GetString()!;
        return s.Length > maxLength ? Fail<string?>(name, $"must be at most {maxLength} characters", null) : s;
    }

    public string RequiredString(string name, int maxLength = 200)
    {
        if (schema is not null)
        {
            Describe(name, ("minLength", 1));
            Require(name);
        }
        return OptionalString(name, maxLength) is { Length: > 0 } s ? s : Fail(name, "is required", "");
    }

    /// <summary>One of <paramref name="allowed"/>, or <paramref name="fallback"/> when absent.</summary>
    public string Choice(string name, IReadOnlyList<string> allowed, string fallback)
    {
        var s = OptionalString(name);
        Describe(name, ("enum", Array(allowed)), ("default", fallback), ("maxLength", null));
        if (s is null) return fallback;
        return allowed.Contains(s) ? s : Fail(name, $"must be one of {string.Join(", ", allowed)}", fallback);
    }

    /// <summary>One of <paramref name="allowed"/> by its JSON name, as the typed value it stands for; <paramref name="fallback"/>
    /// when absent (or, after the error is recorded, when it names none of them).</summary>
    public T Choice<T>(string name, IReadOnlyList<(string Name, T Value)> allowed, T fallback)
    {
        // The fallback by its name (so a describing reader records the default); when absent, or after a wrong name is
        // recorded as an error, the loop below finds it and returns the fallback itself.
        var s = Choice(name, [.. allowed.Select(a => a.Name)], allowed.FirstOrDefault(a => EqualityComparer<T>.Default.Equals(a.Value, fallback)).Name ?? "");
        foreach (var a in allowed)
            if (a.Name == s) return a.Value;
        return fallback;
    }

    /// <summary>The raw value (for nested shapes a type of its own reads), or null when absent.</summary>
    public JsonElement? Raw(string name)
    {
        Describe(name); // a shape of its own (a predicate): any JSON, unless a typed read above said more
        return TryGet(name, out var v) ? v : null;
    }

    /// <summary>A nested object's reader; a describing reader always gives one, describing into the property's schema.</summary>
    public ParameterReader? Object(string name)
    {
        if (schema is not null)
        {
            Describe(name);
            return new ParameterReader((JsonObject)schema["properties"]![name]!, $"{path}.{name}");
        }
        return TryGet(name, out var v) ? new ParameterReader(v, $"{path}.{name}", errors) : null;
    }

    public void Error(string name, string message)
    {
        // Describing reads an empty object: what it reports as missing is what every claim must give.
        if (schema is not null && message.StartsWith("is required", StringComparison.Ordinal)) Require(name);
        errors.Add(new($"{path}.{name}", message));
    }

    private void Require(string name)
    {
        if (schema!["required"] is not JsonArray required) schema["required"] = required = [];
        if (!required.Any(n => n!.GetValue<string>() == name)) required.Add(name);
    }

    /// <summary>Reports every key that no read asked for.</summary>
    public void RejectUnknown()
    {
        if (element.ValueKind != JsonValueKind.Object) return;
        foreach (var property in element.EnumerateObject())
            if (!read.Contains(property.Name)) errors.Add(new($"{path}.{property.Name}", "is not a parameter of this method"));
    }
}
