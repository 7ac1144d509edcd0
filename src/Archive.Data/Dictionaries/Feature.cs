namespace Archive.Data.Dictionaries;

/// <summary>One latent of a dictionary: its statistics over the recorded token set, and an explanation.</summary>
public sealed class Feature
{
    public long Id { get; set; }
    public int FeatureDictionaryId { get; set; }
    public FeatureDictionary FeatureDictionary { get; set; } = null!;
    public int Index { get; set; }
    /// <summary>Human explanation ("fires after an opening quote"), empty when none was written.</summary>
    public string Explanation { get; set; } = "";
    /// <summary>Fraction of tokens where the feature is active.</summary>
    public double Density { get; set; }
    public double MaxActivation { get; set; }
    /// <summary>Counts of log10(activation) in fixed bins: <c>{ "edges": [...], "counts": [...] }</c>.</summary>
    public string HistogramJson { get; set; } = "{}";
    /// <summary>W_dec[i]·W_U: most positive and most negative tokens, <c>[{ "token": " the", "value": 0.5 }]</c>.</summary>
    public string PositiveLogitsJson { get; set; } = "[]";
    public string NegativeLogitsJson { get; set; } = "[]";
    /// <summary>Indices and cosine similarities of the nearest decoder directions.</summary>
    public string SimilarFeaturesJson { get; set; } = "[]";
    public List<FeatureActivation> TopActivations { get; set; } = [];
}

/// <summary>One of a feature's top activating contexts: a window of tokens and the activation on each.</summary>
public sealed class FeatureActivation
{
    public long Id { get; set; }
    public long FeatureId { get; set; }
    public int Rank { get; set; }
    public double MaxValue { get; set; }
    /// <summary>Index of the max-activating token within <see cref="Tokens"/>.</summary>
    public int MaxTokenIndex { get; set; }
    public List<string> Tokens { get; set; } = [];
    public List<double> Values { get; set; } = [];
}
