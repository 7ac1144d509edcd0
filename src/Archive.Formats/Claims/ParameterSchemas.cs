using System.Text.Json.Nodes;

namespace Archive.Formats.Claims;

/// <summary>
/// Each method's parameters as JSON Schema, written by running the method's own parameter reader on an empty object
/// (<see cref="ParameterReader.Describing"/>): one source of truth for the worker's rule and the site's typed form.
/// </summary>
public static class ParameterSchemas
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonObject>> Schemas = new(() =>
        ClaimMethods.All.ToDictionary(m => m.Name, Describe, StringComparer.Ordinal));

    /// <summary>The schema of <paramref name="method"/>'s parameters (a fresh copy: callers may change it), or null for an unknown method.</summary>
    public static JsonObject? For(string method) => Schemas.Value.TryGetValue(method, out var schema) ? (JsonObject)schema.DeepClone() : null;

    private static JsonObject Describe(ClaimMethod method)
    {
        var schema = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema" };
        method.ReadParameters(ParameterReader.Describing(schema));
        return schema;
    }
}
