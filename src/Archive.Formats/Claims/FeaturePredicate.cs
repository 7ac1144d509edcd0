using System.Text.Json;

namespace Archive.Formats.Claims;

/// <summary>
/// A statement about the token a feature fires on, checkable on any token of a token set:
/// <c>{"token": " County"}</c> (the token is exactly this string), <c>{"preceded_by": " \""}</c> (the token before it
/// is), <c>{"token_class": "capitalized"}</c> or <c>{"preceded_by_class": "number"}</c> (see <see cref="TokenClasses"/>).
/// </summary>
public sealed record FeaturePredicate(string Kind, string Value)
{
    public static readonly IReadOnlyList<string> Kinds = ["token", "preceded_by", "token_class", "preceded_by_class"];

    /// <summary>The predicate <paramref name="element"/> states, or null with the fault in <paramref name="error"/>.</summary>
    public static FeaturePredicate? TryFromJson(JsonElement element, out string? error)
    {
        error = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "must be an object such as {\"token\": \" the\"}";
            return null;
        }
        var properties = element.EnumerateObject().ToList();
        if (properties.Count != 1 || !Kinds.Contains(properties[0].Name) || properties[0].Value.ValueKind != JsonValueKind.String)
        {
            error = $"must have exactly one string key among {string.Join(", ", Kinds)}";
            return null;
        }
        var predicate = new FeaturePredicate(properties[0].Name, properties[0].Value.GetString()!);
        if (predicate.Kind.EndsWith("_class", StringComparison.Ordinal) && !TokenClasses.All.Contains(predicate.Value))
        {
            error = $"token class '{predicate.Value}' is not one of {string.Join(", ", TokenClasses.All)}";
            return null;
        }
        return predicate;
    }

    public Dictionary<string, string> ToJson() => new() { [Kind] = Value };

    /// <summary>Whether the predicate holds at each token, flattened sequence after sequence.</summary>
    public bool[] Evaluate(int[][] tokens, Func<int, string> tokenString)
    {
        var classes = new Dictionary<int, string>();
        string Class(int id) => classes.TryGetValue(id, out var c) ? c : classes[id] = TokenClasses.Of(tokenString(id));
        var n = tokens.Length == 0 ? 0 : tokens[0].Length;
        var result = new bool[tokens.Length * n];
        for (var s = 0; s < tokens.Length; s++)
        {
            for (var p = 0; p < n; p++)
            {
                var at = Kind.StartsWith("preceded_by", StringComparison.Ordinal) ? p - 1 : p;
                if (at < 0) continue;
                var id = tokens[s][at];
                result[s * n + p] = Kind.EndsWith("_class", StringComparison.Ordinal) ? Class(id) == Value : tokenString(id) == Value;
            }
        }
        return result;
    }

    /// <summary>Plain words: "the token is “ County”", "the previous token is a number".</summary>
    public string Describe() => Kind switch
    {
        "token" => $"the token is {Quote(Value)}",
        "preceded_by" => $"the previous token is {Quote(Value)}",
        "token_class" => $"the token is {TokenClasses.Describe(Value)}",
        _ => $"the previous token is {TokenClasses.Describe(Value)}",
    };

    public static string Quote(string token) => "“" + token.Replace(" ", "␣", StringComparison.Ordinal).Replace("\n", "↵", StringComparison.Ordinal) + "”";
}

/// <summary>Coarse classes of token strings, decided from the text alone (leading spaces ignored).</summary>
public static class TokenClasses
{
    public static readonly IReadOnlyList<string> All = ["capitalized", "lowercase", "number", "punctuation", "special", "other"];

    public static string Of(string token)
    {
        if (token is "<unk>" or "<|endoftext|>") return "special";
        var t = token.Trim();
        if (t.Length == 0) return "other";
        if (t.Any(char.IsDigit) && t.All(c => char.IsDigit(c) || c is ',' or '.' or '-' or '/')) return "number";
        if (t.All(c => char.IsPunctuation(c) || char.IsSymbol(c))) return "punctuation";
        if (char.IsUpper(t[0])) return "capitalized";
        if (char.IsLower(t[0])) return "lowercase";
        return "other";
    }

    public static string Describe(string cls) => cls switch
    {
        "capitalized" => "a capitalised word or word piece",
        "lowercase" => "a lower-case word or word piece",
        "number" => "a number",
        "punctuation" => "punctuation",
        "special" => "<|endoftext|> or <unk>",
        _ => "another kind of token",
    };
}
