using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Archive.Formats.Neuronpedia;

/// <summary>
/// Neuronpedia's dataset export layout, as its exporter (<c>utils/neuronpedia-utils/neuronpedia_utils/export-data.py</c>)
/// writes it and its importer (<c>apps/webapp/app/api/admin/import/route.ts</c>) reads it:
/// <code>
/// {modelId}/{sourceId}/model.jsonl, release.jsonl, source.jsonl, sourceset.jsonl   one row each, plain
/// {modelId}/{sourceId}/features/batch-{N}.jsonl.gz                                  table Neuron
/// {modelId}/{sourceId}/activations/batch-{N}.jsonl.gz                               table Activation
/// {modelId}/{sourceId}/explanations/batch-{N}.jsonl.gz                              table Explanation
/// </code>
/// N counts from 0. <c>sourceId</c> is what Neuronpedia calls a feature's <c>layer</c>: <c>{layer number}-{source set}</c>,
/// e.g. <c>12-gemmascope-res-16k</c>, which its <c>lib/utils/source.ts</c> splits at the first dash.
/// </summary>
public static partial class NeuronpediaLayout
{
    /// <summary>Features (and their activations and explanations) per batch file: export-data.py's
    /// <c>FEATURES_EXPLANATIONS_BATCH_SIZE</c> and <c>ACTIVATIONS_BATCH_SIZE</c>.</summary>
    public const int BatchSize = 1024;

    public const string FeaturesFolder = "features";
    public const string ActivationsFolder = "activations";
    public const string ExplanationsFolder = "explanations";

    public const string ModelFile = "model.jsonl";
    public const string ReleaseFile = "release.jsonl";
    public const string SourceFile = "source.jsonl";
    public const string SourceSetFile = "sourceset.jsonl";

    public static string BatchFileName(int batch) => $"batch-{batch.ToString(CultureInfo.InvariantCulture)}.jsonl.gz";

    /// <summary>The importer's own pattern for batch files (route.ts matches explanations with it).</summary>
    [GeneratedRegex(@"^batch-(?<n>\d{1,9})\.jsonl\.gz$")]
    public static partial Regex BatchFilePattern();

    /// <summary>Neuronpedia's feature key is <c>(modelId, layer, index)</c>; its <c>layer</c> is the source's id.</summary>
    public static string SourceId(int layer, string sourceSetName) => $"{layer.ToString(CultureInfo.InvariantCulture)}-{sourceSetName}";

    /// <summary>
    /// How rows are written: every key always present (nulls included), because Neuronpedia's importer takes a file's
    /// columns from the keys of its first line only; no indentation; non-ASCII written as is (the files are downloads,
    /// never embedded in HTML).
    /// </summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
