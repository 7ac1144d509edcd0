using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

// The JSON keys are SAELens's spellings on purpose; that they coincide with property names is incidental.
#pragma warning disable CA1507

namespace Archive.Formats.SaeLens;

/// <summary>
/// An SAE's <c>cfg.json</c>, with SAELens key names. Reads both layouts SAELens has written: the pre-6.0 flat one
/// (<c>model_name</c>, <c>hook_name</c> or <c>hook_point</c>, <c>hook_layer</c>, <c>context_size</c>, ... at the top
/// level, <c>activation_fn_str</c>/<c>activation_fn_kwargs.k</c> for TopK) and the 6.x one (those keys moved into a
/// <c>metadata</c> object). Writes the flat keys and a <c>metadata</c> object both, so either SAELens line reads it.
/// Keys this record does not model are kept in <see cref="extra"/> and <see cref="extra_metadata"/> and written back.
/// </summary>
public sealed record SaeLensConfig
{
    public const string Standard = "standard";
    public const string TopK = "topk";
    public const string JumpReLU = "jumprelu";

    public static readonly IReadOnlyList<string> Architectures = [Standard, TopK, JumpReLU];
    public static readonly IReadOnlyList<string> Normalizations = ["none", "expected_average_only_in", "constant_norm_rescale", "layer_norm"];
    public static readonly IReadOnlyList<string> DTypes = ["float32", "float64", "float16", "bfloat16", "torch.float32", "torch.float64", "torch.float16", "torch.bfloat16"];

    /// <summary><c>standard</c> (ReLU), <c>topk</c> or <c>jumprelu</c>.</summary>
    public string architecture { get; init; } = Standard;
    public required int d_in { get; init; }
    public required int d_sae { get; init; }
    /// <summary><c>float32</c>, <c>float64</c>, <c>float16</c>, <c>bfloat16</c> (optionally with a <c>torch.</c> prefix).</summary>
    public string dtype { get; init; } = "float32";
    public string device { get; init; } = "cpu";
    public bool apply_b_dec_to_input { get; init; } = true;
    /// <summary><c>none</c>, <c>expected_average_only_in</c> (identity at run time, as in SAELens), <c>constant_norm_rescale</c>, <c>layer_norm</c>.</summary>
    public string normalize_activations { get; init; } = "none";
    /// <summary><c>none</c> or <c>hook_z</c> (input [..., n_heads, d_head] is flattened to d_in).</summary>
    public string reshape_activations { get; init; } = "none";
    /// <summary>TopK only: how many features stay active per token.</summary>
    public int? k { get; init; }
    /// <summary>TopK only: pre-activations are scaled by ‖W_dec[i]‖ before the top k are chosen.</summary>
    public bool rescale_acts_by_decoder_norm { get; init; }

    // Where the SAE reads its input (SAELens "metadata" keys; flat in pre-6.0 files).
    public string? model_name { get; init; }
    public string? hook_name { get; init; }
    /// <summary>Pre-6.0 key; when absent it is read from a <c>blocks.{l}.</c> hook name.</summary>
    public int? hook_layer { get; init; }
    public int? hook_head_index { get; init; }
    public string? model_class_name { get; init; }
    public int? context_size { get; init; }
    public bool? prepend_bos { get; init; }
    public string? dataset_path { get; init; }
    public string? neuronpedia_id { get; init; }
    public string? sae_lens_version { get; init; }
    public string? sae_lens_training_version { get; init; }

    /// <summary>Other top-level keys, kept as they were read.</summary>
    public IReadOnlyDictionary<string, JsonNode?> extra { get; init; } = new Dictionary<string, JsonNode?>();
    /// <summary>Other keys of the <c>metadata</c> object, kept as they were read.</summary>
    public IReadOnlyDictionary<string, JsonNode?> extra_metadata { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>The hook's layer: <see cref="hook_layer"/>, else parsed from <c>blocks.{l}.…</c>, else null.</summary>
    public int? Layer
    {
        get
        {
            if (hook_layer is not null) return hook_layer;
            if (hook_name is null || !hook_name.StartsWith("blocks.", StringComparison.Ordinal)) return null;
            var rest = hook_name["blocks.".Length..];
            var dot = rest.IndexOf('.');
            return int.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : null;
        }
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first key that makes no sense.</summary>
    public void Validate()
    {
        if (!Architectures.Contains(architecture))
            throw new InvalidDataException($"cfg.json key 'architecture' must be one of {string.Join(", ", Architectures)} (got '{architecture}').");
        if (d_in <= 0) throw new InvalidDataException($"cfg.json key 'd_in' must be positive (got {d_in}).");
        if (d_sae <= 0) throw new InvalidDataException($"cfg.json key 'd_sae' must be positive (got {d_sae}).");
        if (!DTypes.Contains(dtype))
            throw new InvalidDataException($"cfg.json key 'dtype' must be one of {string.Join(", ", DTypes)} (got '{dtype}').");
        if (!Normalizations.Contains(normalize_activations))
            throw new InvalidDataException($"cfg.json key 'normalize_activations' must be one of {string.Join(", ", Normalizations)} (got '{normalize_activations}').");
        if (reshape_activations is not ("none" or "hook_z"))
            throw new InvalidDataException($"cfg.json key 'reshape_activations' must be none or hook_z (got '{reshape_activations}').");
        if (architecture == TopK)
        {
            if (k is null) throw new InvalidDataException("cfg.json key 'k' is required when architecture is topk.");
            if (k <= 0 || k > d_sae) throw new InvalidDataException($"cfg.json key 'k' must lie in [1, d_sae = {d_sae}] (got {k}).");
        }
        if (hook_layer is < 0) throw new InvalidDataException($"cfg.json key 'hook_layer' must not be negative (got {hook_layer}).");
    }

    private static readonly HashSet<string> MetadataKeys =
    [
        "model_name", "hook_name", "hook_layer", "hook_head_index", "model_class_name", "context_size", "prepend_bos",
        "dataset_path", "neuronpedia_id", "sae_lens_version", "sae_lens_training_version",
    ];

    private static readonly HashSet<string> TopLevelKeys =
    [
        "architecture", "d_in", "d_sae", "dtype", "device", "apply_b_dec_to_input", "normalize_activations",
        "reshape_activations", "k", "rescale_acts_by_decoder_norm", "metadata", "hook_point", "hook_point_layer",
        "hook_point_head_index", "activation_fn_str", "activation_fn", "activation_fn_kwargs", .. MetadataKeys,
    ];

    /// <summary>Parses cfg.json text; errors name the offending key.</summary>
    public static SaeLensConfig FromJson(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("cfg.json is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"cfg.json is not valid JSON: {e.Message}", e);
        }
        var metadata = root["metadata"] as JsonObject;

        // A key's value: top level first (pre-6.0), then metadata (6.x).
        JsonNode? Find(string key, params string[] aliases)
        {
            foreach (var name in aliases.Prepend(key))
            {
                if (root[name] is { } node) return node;
                if (metadata?[name] is { } meta) return meta;
            }
            return null;
        }

        string? String(string key, params string[] aliases) => Find(key, aliases) switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var other => throw new InvalidDataException($"cfg.json key '{key}' must be a string (got {other.ToJsonString()})."),
        };
        int? Int(string key, params string[] aliases) => Find(key, aliases) switch
        {
            null => null,
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
            var other => throw new InvalidDataException($"cfg.json key '{key}' must be an integer (got {other.ToJsonString()})."),
        };
        bool? Bool(string key, params string[] aliases) => Find(key, aliases) switch
        {
            null => null,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            var other => throw new InvalidDataException($"cfg.json key '{key}' must be true or false (got {other.ToJsonString()})."),
        };

        var activationFn = String("activation_fn", "activation_fn_str");
        var architecture = String("architecture");
        var k = Int("k");
        if (activationFn == "topk")
        {
            architecture ??= TopK;
            if (architecture == Standard) architecture = TopK; // pre-6.0 TopK SAEs said "standard" + activation_fn "topk"
            if (k is null && Find("activation_fn_kwargs") is JsonObject kwargs && kwargs["k"] is JsonValue kv && kv.TryGetValue<int>(out var kk)) k = kk;
        }

        // normalize_activations was a bool before SAELens 3: true meant expected_average_only_in.
        var normalize = Find("normalize_activations") switch
        {
            null => "none",
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "expected_average_only_in" : "none",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var other => throw new InvalidDataException($"cfg.json key 'normalize_activations' must be a string (got {other.ToJsonString()})."),
        };

        var hookName = String("hook_name", "hook_point");
        var config = new SaeLensConfig
        {
            architecture = architecture ?? Standard,
            d_in = Int("d_in") ?? throw new InvalidDataException("cfg.json key 'd_in' is missing."),
            d_sae = Int("d_sae") ?? throw new InvalidDataException("cfg.json key 'd_sae' is missing."),
            dtype = String("dtype") ?? "float32",
            device = String("device") ?? "cpu",
            apply_b_dec_to_input = Bool("apply_b_dec_to_input") ?? true,
            normalize_activations = normalize,
            reshape_activations = String("reshape_activations") ?? (hookName?.EndsWith("hook_z", StringComparison.Ordinal) == true ? "hook_z" : "none"),
            k = k,
            rescale_acts_by_decoder_norm = Bool("rescale_acts_by_decoder_norm") ?? false,
            model_name = String("model_name"),
            hook_name = hookName,
            hook_layer = Int("hook_layer", "hook_point_layer"),
            hook_head_index = Int("hook_head_index", "hook_point_head_index"),
            model_class_name = String("model_class_name"),
            context_size = Int("context_size"),
            prepend_bos = Bool("prepend_bos"),
            dataset_path = String("dataset_path"),
            neuronpedia_id = String("neuronpedia_id"),
            sae_lens_version = String("sae_lens_version"),
            sae_lens_training_version = String("sae_lens_training_version"),
            extra = root.Where(p => !TopLevelKeys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value?.DeepClone()),
            extra_metadata = metadata is null
                ? new Dictionary<string, JsonNode?>()
                : metadata.Where(p => !MetadataKeys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value?.DeepClone()),
        };
        config.Validate();
        return config;
    }

    /// <summary>
    /// What <c>metadata.sae_lens_version</c> says when the config came without one. SAELens 6 reads a cfg without a
    /// version as a pre-6 file and converts it; with one ≥ 6.0 it reads the 6.x layout, which this file also is.
    /// </summary>
    public const string LayoutVersion = "6.0.0";

    /// <summary>
    /// cfg.json text that SAELens 5.x and 6.x both load as the same SAE (their loaders: 5.11
    /// <c>toolkit/pretrained_sae_loaders.py</c>, 6.x <c>loading/pretrained_sae_loaders.py</c>): SAELens 5 needs
    /// <c>context_size</c>, <c>model_name</c>, <c>hook_name</c>, <c>hook_layer</c>, <c>hook_head_index</c> and
    /// <c>dataset_path</c> present at the top level (null is allowed) and takes the activation from
    /// <c>activation_fn_str</c> and <c>activation_fn_kwargs</c> (without them a TopK SAE would load as ReLU); SAELens 6
    /// reads <c>architecture</c>, <c>k</c> and the <c>metadata</c> object, and ignores the rest.
    /// </summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architecture"] = architecture,
            ["d_in"] = d_in,
            ["d_sae"] = d_sae,
            ["dtype"] = dtype,
            ["device"] = device,
            ["apply_b_dec_to_input"] = apply_b_dec_to_input,
            ["normalize_activations"] = normalize_activations,
            ["reshape_activations"] = reshape_activations,
        };
        if (architecture == TopK)
        {
            root["k"] = k;
            root["rescale_acts_by_decoder_norm"] = rescale_acts_by_decoder_norm;
        }
        // SAELens 5's activation: ReLU for standard and JumpReLU (its JumpReLU applies the threshold itself), TopK with k.
        root["activation_fn_str"] = architecture == TopK ? "topk" : "relu";
        root["activation_fn_kwargs"] = architecture == TopK ? new JsonObject { ["k"] = k } : new JsonObject();
        var metadata = new JsonObject();
        void Both(string key, JsonNode? value)
        {
            root[key] = value;
            metadata[key] = value?.DeepClone();
        }
        Both("model_name", model_name);
        Both("hook_name", hook_name);
        Both("hook_layer", Layer);
        Both("hook_head_index", hook_head_index);
        Both("context_size", context_size);
        Both("dataset_path", dataset_path);
        if (model_class_name is not null) Both("model_class_name", model_class_name);
        if (prepend_bos is not null) Both("prepend_bos", prepend_bos);
        if (neuronpedia_id is not null) Both("neuronpedia_id", neuronpedia_id);
        // Only under metadata: SAELens 6 looks there second, and a top-level key would reach SAELens 5's dataclass.
        metadata["sae_lens_version"] = sae_lens_version is { } v && !v.StartsWith('5') && !v.StartsWith('4') && !v.StartsWith('3') ? v : LayoutVersion;
        if (sae_lens_training_version is not null) Both("sae_lens_training_version", sae_lens_training_version);
        foreach (var (key, value) in extra_metadata) metadata[key] = value?.DeepClone();
        foreach (var (key, value) in extra) root[key] = value?.DeepClone();
        root["metadata"] = metadata;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
