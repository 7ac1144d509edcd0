using System.Globalization;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Engine.Evidence;
using Archive.Engine.Saes;
using Archive.Formats.Claims;
using Archive.Formats.Dictionaries;
using Archive.Specimens.Import;
using static TorchSharp.torch;

namespace Archive.Specimens.Build;

/// <summary>A feature whose top contexts on the selection text share a property, with how well that property accounts for all of its activity there.</summary>
/// <param name="HalfSpread">|precision on the first half of the selection windows − precision on the second half|: how much the share moves between texts.</param>
public sealed record ExplainedFeature(int Feature, FeaturePredicate Predicate, int Matches, int Contexts, FeatureMeasure Measure, double HalfSpread, string Explanation);

/// <summary>
/// How the Brown specimen finds explainable features and picks the ones it makes claims about. Everything here reads the
/// selection split only (dashboards, top contexts, measures); the claims are then checked on the disjoint check split,
/// so that a property read off a feature's top contexts is a prediction about text it was not read from.
/// </summary>
public static class BrownFeatureSelection
{
    public const int TopContexts = 10;
    public const int ExplainAtLeast = 9; // of TopContexts

    /// <summary>A chosen feature spends at least this share of its selection-text activation on its property…</summary>
    public const double SelectPrecisionAtLeast = 0.65;

    /// <summary>…and at least this many times the property's base rate, so that the share says something about the feature rather than the text.</summary>
    public const double SelectLiftAtLeast = 3;

    /// <summary>Rarely active features have too few activations for a share to mean much.</summary>
    public const double SelectDensityAtLeast = 0.001;

    /// <summary>
    /// Reads each feature's top contexts for a shared property (the activating token's string, the previous token's
    /// string, or either one's class), keeps features where one holds in at least <see cref="ExplainAtLeast"/> of
    /// <see cref="TopContexts"/> (a specific token preferred to a class), then measures the property over the whole
    /// token set. The explanation is written from those counts.
    /// </summary>
    public static List<ExplainedFeature> Explain(FeatureStatisticsResult stats, int[][] tokens, RestrictedVocabulary vocab, SparseAutoencoder sae, Tensor activations)
    {
        var candidates = new List<(int Feature, FeaturePredicate Predicate, int Matches, int Contexts)>();
        foreach (var f in stats.Features)
        {
            if (f.TopContexts.Length < TopContexts) continue;
            string At(ActivatingContext c, int offset) => c.Position + offset < 0 ? "" : vocab.TokenString(tokens[c.Sequence][c.Position + offset]);
            (FeaturePredicate, int)? Best(string kind, Func<ActivatingContext, string> value)
            {
                var group = f.TopContexts.Select(value).Where(v => v.Length > 0).GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
                return group is null ? null : (new FeaturePredicate(kind, group.Key), group.Count());
            }
            var options = new[]
            {
                Best("token", c => At(c, 0)),
                Best("preceded_by", c => At(c, -1)),
                Best("token_class", c => TokenClasses.Of(At(c, 0))),
                Best("preceded_by_class", c => At(c, -1) is { Length: > 0 } s ? TokenClasses.Of(s) : ""),
            };
            var usable = options.Where(o => o is { } x && x.Item2 >= ExplainAtLeast
                && x.Item1.Value is not (RestrictedVocabulary.EndOfText or "special" or "other" or "lowercase")).Select(o => o!.Value).ToList();
            if (usable.Count == 0) continue;
            // A specific token before a class; among equals, more matches.
            var chosen = usable.OrderBy(o => o.Item1.Kind.EndsWith("_class", StringComparison.Ordinal) ? 1 : 0).ThenByDescending(o => o.Item2).First();
            candidates.Add((f.Index, chosen.Item1, chosen.Item2, f.TopContexts.Length));
        }
        if (candidates.Count == 0) return [];
        var features = candidates.Select(c => c.Feature).ToArray();
        var predicates = candidates.Select(c => c.Predicate).ToArray();
        var measures = SaeFeatureMeasures.Measure(new EncodedFeatureCodes(sae, activations), tokens, features, predicates, vocab.TokenString, TopContexts);
        // The same measure on each half of the selection windows: the spread is the margin's evidence.
        var half = tokens.Length / 2;
        FeatureMeasure[] OnHalf(int from, int count)
        {
            using var part = activations.narrow(0, from, count);
            return SaeFeatureMeasures.Measure(new EncodedFeatureCodes(sae, part), tokens[from..(from + count)], features, predicates, vocab.TokenString, TopContexts);
        }
        var first = OnHalf(0, half);
        var second = OnHalf(half, half);
        return [.. candidates.Select((c, j) =>
        {
            var m = measures[j];
            var explanation = $"Fires when {c.Predicate.Describe()} ({c.Matches} of {c.Contexts} top contexts); "
                + $"{Percent(m.ActivationPrecision)} of its activation on the selection text falls on such tokens (which are {Percent(m.BaseRate)} of that text), "
                + $"and it is active on {Percent(m.Recall)} of them. (Automatic, from the dashboard statistics.)";
            return new ExplainedFeature(c.Feature, c.Predicate, c.Matches, c.Contexts, m,
                Math.Abs(first[j].ActivationPrecision - second[j].ActivationPrecision), explanation);
        })];
    }

    /// <summary>
    /// Up to five explained features for claims, best activation precision first, among those meeting the selection
    /// thresholds above; at most two per kind of predicate and one per predicate, and a previous-token feature first if any.
    /// </summary>
    public static List<ExplainedFeature> ChooseForClaims(List<ExplainedFeature> explained)
    {
        var pool = explained
            .Where(e => e.Measure.Density >= SelectDensityAtLeast && e.Measure.ActivationPrecision >= SelectPrecisionAtLeast
                && e.Measure.ActivationPrecision >= SelectLiftAtLeast * e.Measure.BaseRate)
            .OrderByDescending(e => e.Measure.ActivationPrecision).ThenBy(e => e.Feature).ToList();
        var chosen = new List<ExplainedFeature>();
        var previous = pool.FirstOrDefault(e => e.Predicate.Kind == "preceded_by");
        if (previous is not null) chosen.Add(previous);
        foreach (var e in pool)
        {
            if (chosen.Count >= 5) break;
            if (chosen.Contains(e) || chosen.Any(c => c.Predicate == e.Predicate) || chosen.Count(c => c.Predicate.Kind == e.Predicate.Kind) >= 2) continue;
            chosen.Add(e);
        }
        return chosen;
    }

    public static void WriteDashboards(string path, string hook, FeatureStatisticsResult stats, RestrictedVocabulary vocab, List<ExplainedFeature> explained)
    {
        var dashboards = FeatureDashboards.From(hook, stats, vocab.TokenString, explained.ToDictionary(e => e.Feature, e => e.Explanation));
        File.WriteAllText(path, JsonSerializer.Serialize(dashboards, FeatureDashboardFile.JsonOptions) + "\n");
    }

    public static string Percent(double fraction) =>
        (fraction * 100).ToString(fraction < 0.1 ? "0.0#" : "0", CultureInfo.InvariantCulture) + "%";
}
