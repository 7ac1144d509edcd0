using System.Text.RegularExpressions;

namespace Archive.Web.Submissions.Guided;

/// <summary>
/// Places the importer's faults next to the form fields they name. The importer writes each fault as
/// <c>field: message</c> in the manifest's own names (<c>title</c>, <c>model.slug</c>), claim faults as
/// <c>claim 'key': field: message; field: message</c> (the worker's <see cref="Archive.Formats.Claims.ClaimFieldError"/>s)
/// and circuit faults as <c>circuit 'slug': message</c>; here they become <c>claims[2].parameters.seq_len</c> and
/// <c>circuits[0]</c>, the names the form gives its fields. A fault that names no field goes to the key "" (the form's summary).
/// </summary>
public static partial class FaultFields
{
    public static Dictionary<string, string[]> Place(IEnumerable<string> faults, IReadOnlyList<string> claimKeys, IReadOnlyList<string> circuitSlugs)
    {
        var placed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!placed.TryGetValue(field, out var list)) placed[field] = list = [];
            list.Add(message);
        }

        foreach (var fault in faults)
        {
            if (Owned().Match(fault) is { Success: true } owned)
            {
                var isClaim = owned.Groups["what"].Value == "claim";
                var index = (isClaim ? claimKeys : circuitSlugs).ToList().IndexOf(owned.Groups["name"].Value);
                var owner = index < 0 ? "" : $"{(isClaim ? "claims" : "circuits")}[{index}]";
                // A claim's faults are joined by "; ", each starting with the field it names.
                foreach (var part in isClaim ? FieldStart().Split(owned.Groups["rest"].Value) : [owned.Groups["rest"].Value])
                {
                    var (field, message) = Split(part.Trim().TrimEnd(';').Trim());
                    Add(owner.Length == 0 ? field ?? "" : field is null ? owner : $"{owner}.{field}", message);
                }
                continue;
            }
            if (ModelFile().Match(fault) is { Success: true } model)
            {
                Add("model.file", model.Groups["message"].Value);
                continue;
            }
            var (name, text) = Split(fault);
            Add(name ?? "", text);
        }
        return placed.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }

    private static (string? Field, string Message) Split(string fault) =>
        Field().Match(fault) is { Success: true } m ? (m.Groups["field"].Value, m.Groups["message"].Value) : (null, fault);

    /// <summary><c>claim 'key': …</c> or <c>circuit 'slug': …</c>.</summary>
    [GeneratedRegex(@"^(?<what>claim|circuit) '(?<name>[^']*)': (?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex Owned();

    /// <summary><c>model (model.safetensors): …</c>: the model file failed validation.</summary>
    [GeneratedRegex(@"^model \([^)]*\): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex ModelFile();

    /// <summary>A field name in the manifest's spelling, then the message: <c>parameters.token_set.windows: …</c>, <c>targets[1]: …</c>.</summary>
    [GeneratedRegex(@"^(?<field>[a-z_][a-z0-9_]*(?:\[\d+\]|\.[a-z_][a-z0-9_]*)*): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex Field();

    /// <summary>Where the next of a claim's "; "-joined faults begins.</summary>
    [GeneratedRegex(@"; (?=[a-z_][a-z0-9_]*(?:\[\d+\]|\.[a-z_][a-z0-9_]*)*: )")]
    private static partial Regex FieldStart();
}
