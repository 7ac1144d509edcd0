using Archive.Data.Dictionaries;
using Archive.Formats.Claims;
using Archive.Formats.SaeLens;

namespace Archive.Web.Dictionaries.UploadForm;

/// <summary>
/// Places <see cref="DictionaryUploads"/>' faults next to the dictionary form's fields. Each fault starts with what it
/// names, in the manifest's or the folder's spelling (<c>slug: …</c>, <c>token_set.sha256: …</c>,
/// <c>tokens/{sha256}: …</c>, <c>cfg.json key 'd_in' …</c>, <c>hook_name '…' …</c>); the form's fields are <c>slug</c>,
/// <c>title</c>, <c>description</c>, <c>model</c>, <c>files</c> (the SAELens folder) and <c>token_set</c>. A fault that
/// names none of them (a safetensors file's format, which does not say which file) goes to the key "" (the summary).
/// Each keeps its whole text, which says which file or key it means.
/// </summary>
public static class DictionaryFormFaults
{
    public const string Files = "files";
    public const string TokenSet = "token_set";

    private static readonly string[] OwnFields = ["slug", "title", "description", "model"];
    private static readonly string[] FolderNames = [SaeLensFileNames.Config, SaeLensFileNames.Weights, SaeLensFileNames.Sparsity, "hook_name"];
    private static readonly string[] TokenNames = [TokenSet, ClaimInputFiles.TokensFolder + "/"];

    public static Dictionary<string, string[]> Place(IEnumerable<string> faults) =>
        faults.GroupBy(FieldOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    public static string FieldOf(string fault)
    {
        if (OwnFields.FirstOrDefault(f => fault.StartsWith(f + ":", StringComparison.Ordinal)) is { } field) return field;
        if (TokenNames.Any(n => fault.StartsWith(n, StringComparison.Ordinal))) return TokenSet;
        if (FolderNames.Any(n => fault.StartsWith(n, StringComparison.Ordinal))) return Files;
        return "";
    }
}
