using System.Globalization;
using System.Text;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data.Claims;
using Archive.Engine.Superposition;
using Archive.Engine.Training;
using Archive.Formats.Charts;
using Archive.Formats.Models;
using Archive.Specimens.Import;

namespace Archive.Specimens.Build;

/// <summary>
/// Toy models of superposition (Elhage et al. 2022): n = 20 features with importance β^i squeezed into m = 5 dimensions,
/// one model per sparsity. The question is the paper's first: as features get sparser, does the model represent more
/// of them than it has dimensions, in superposition?
/// </summary>
public sealed class SuperpositionSpecimen : ISpecimenRecipe
{
    public const int Features = 20, Hidden = 5;
    public const double ImportanceBase = 0.7;
    public const long Seed = 2022;
    public static readonly double[] Sparsities = [0, 0.7, 0.9, 0.97, 0.99];

    public string Slug => "toy-models-of-superposition-20-in-5";

    /// <summary>Fewer steps than the paper's 10,000, at a higher learning rate, to keep the build within minutes on a CPU.</summary>
    public int Steps { get; init; } = 5_000;

    public double LearningRate { get; init; } = 2e-3;

    public void Build(string bundleFolder, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        var results = new List<ToyModelTrainingResult>();
        for (int k = 0; k < Sparsities.Length; k++)
        {
            results.Add(SuperpositionTraining.Train(new ToyModelTrainingOptions
            {
                n_features = Features, d_hidden = Hidden, Sparsity = Sparsities[k], ImportanceBase = ImportanceBase,
                Steps = Steps, LearningRate = LearningRate, Seed = Seed + k, ReportEvery = 250,
            }, progress, cancellationToken: ct));
        }
        var config = new ToyModelFamilyConfig
        {
            n_features = Features, d_hidden = Hidden, importance_base = ImportanceBase, sparsities = Sparsities,
            steps = Steps, batch_size = results[0].Options.BatchSize, learning_rate = results[0].Options.LearningRate, seed = Seed,
        };
        ToyModelFile.Save(Path.Combine(bundleFolder, "model.safetensors"), config, [.. results.Select(r => r.Model)]);

        // Measures are recomputed from the saved file, exactly as the worker will, so the writeup quotes what it checks.
        var measures = Enumerable.Range(0, Sparsities.Length)
            .Select(k => SuperpositionMeasures.Compute(ToyModelFile.LoadWeights(Path.Combine(bundleFolder, "model.safetensors"), k)))
            .ToList();
        foreach (var r in results) r.Model.Dispose();

        var first = measures[0];
        var last = measures[^1];
        var gain = last.RepresentedCount - first.RepresentedCount;
        var claims = new List<BundleClaim>
        {
            Claim("dense-represents-at-most-m", $"With dense features (S = 0) the model represents at most {first.RepresentedCount} of the {Features} features (‖W_i‖ > 0.5), no more than its {Hidden} dimensions",
                0, "represented_count", ClaimComparison.AtMost, first.RepresentedCount),
            Claim("dense-one-dimension-per-feature", $"With dense features, dimensions per feature m/‖W‖²_F ≥ {BundleWriter.ThresholdBelow(first.DimensionsPerFeature ?? 0, 0.02)}: each represented feature gets a whole dimension",
                0, "dimensions_per_feature", ClaimComparison.AtLeast, BundleWriter.ThresholdBelow(first.DimensionsPerFeature ?? 0, 0.02)),
            Claim("sparse-superposition", $"At S = {Sparsities[^1].ToString(CultureInfo.InvariantCulture)} the model represents at least {last.RepresentedCount} features in {Hidden} dimensions",
                Sparsities.Length - 1, "represented_count", ClaimComparison.AtLeast, last.RepresentedCount),
            Claim("sparse-fractional-dimensions", $"At S = {Sparsities[^1].ToString(CultureInfo.InvariantCulture)}, dimensions per feature ≤ {BundleWriter.ThresholdAbove(last.DimensionsPerFeature ?? 1, 0.02)}: features share dimensions",
                Sparsities.Length - 1, "dimensions_per_feature", ClaimComparison.AtMost, BundleWriter.ThresholdAbove(last.DimensionsPerFeature ?? 1, 0.02)),
            Claim("sparsity-adds-features", $"Going from S = 0 to S = {Sparsities[^1].ToString(CultureInfo.InvariantCulture)} adds at least {gain} represented features",
                0, "represented_gain", ClaimComparison.AtLeast, gain),
        };

        var manifest = new BundleManifest
        {
            Slug = Slug,
            Title = "Superposition in toy models: 20 sparse features in 5 dimensions",
            Summary = $"A sweep over feature sparsity reproduces the central result of Toy Models of Superposition: with dense inputs the model keeps only its {first.RepresentedCount} most important features, one per dimension; with sparse inputs it packs {last.RepresentedCount} of 20 into 5 dimensions.",
            Behaviour = "representing more features than dimensions (superposition)",
            Tags = ["superposition", "toy-model", "polysemanticity"],
            Techniques = ["weight-analysis", "feature-dimensionality"],
            Authors = ["Specimen Archive"],
            Featured = true,
            RevisionMessage = "Built by archive-specimens build from seed " + Seed.ToString(CultureInfo.InvariantCulture),
            Model = new BundleModel
            {
                Slug = "toy-superposition-20-5",
                Name = "Toy models of superposition, n = 20, m = 5",
                Architecture = ToyModelFileHeader.Architecture,
                Description = $"x̂ = ReLU(WᵀWx + b), W ∈ R^{{5×20}}, one model per sparsity S ∈ {{{string.Join(", ", Sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture)))}}}.",
                TrainingNotes = $"AdamW lr {config.learning_rate}, batch {config.batch_size}, {Steps} steps per model, importance 0.7^i, seeds {Seed}…{Seed + Sparsities.Length - 1} (archive-specimens build).",
            },
            Claims = claims,
        };
        BundleWriter.Write(bundleFolder, manifest, Writeup(measures, results));
    }

    private static BundleClaim Claim(string key, string statement, int sparsityIndex, string measure, ClaimComparison comparison, double expected) => new()
    {
        Key = key,
        Statement = statement,
        Method = "superposition",
        Targets = [$"S={Sparsities[sparsityIndex].ToString(CultureInfo.InvariantCulture)}"],
        Parameters = JsonSerializer.SerializeToElement(new { sparsity_index = sparsityIndex, measure }),
        Comparison = comparison,
        Expected = expected,
        Tolerance = 0,
    };

    private static string Writeup(IReadOnlyList<SuperpositionMeasures> measures, IReadOnlyList<ToyModelTrainingResult> results)
    {
        string S(int k) => Sparsities[k].ToString(CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine("## Question");
        md.AppendLine();
        md.AppendLine("Neural networks often seem to represent more features than they have neurons. Elhage et al. (2022), *Toy Models of Superposition*, showed the effect in the smallest possible setting: a linear map into fewer dimensions and a ReLU back out. Their central result is that **sparsity** decides it: when features are rarely active, the model can afford the interference of packing them into shared directions. This specimen reproduces that sweep and states its outcome as claims the archive re-checks from the stored weights.");
        md.AppendLine();
        md.AppendLine("## Method");
        md.AppendLine();
        md.AppendLine($"Each input $x \\in \\mathbb{{R}}^{{{Features}}}$ has features $x_i = 0$ with probability $S$ and otherwise $x_i \\sim U[0, 1]$. The model maps it to $h = Wx$ with $W \\in \\mathbb{{R}}^{{{Hidden} \\times {Features}}}$ and reconstructs");
        md.AppendLine();
        md.AppendLine("$$\\hat{x} = \\mathrm{ReLU}(W^\\top W x + b),$$");
        md.AppendLine();
        md.AppendLine($"trained to minimise the importance-weighted error $\\sum_i I_i (x_i - \\hat{{x}}_i)^2$ with $I_i = {ImportanceBase.ToString(CultureInfo.InvariantCulture)}^i$, so feature 0 matters most. One model per sparsity, {results[0].Options.Steps:N0} AdamW steps each (lr {results[0].Options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {results[0].Options.BatchSize}), seeds {Seed}–{Seed + Sparsities.Length - 1}.");
        md.AppendLine();
        md.AppendLine("We read the answer off $W$ alone (section 6 of the archive's evidence methods): feature $i$ is *represented* when $\\lVert W_i \\rVert > 0.5$; its *dimensionality* is $D_i = \\lVert W_i \\rVert^2 / \\sum_j (\\hat{W}_i \\cdot W_j)^2$ (1 for a feature with a dimension to itself, ½ for an antipodal pair, ⅖ for a pentagon); *dimensions per feature* is $m / \\lVert W \\rVert_F^2$.");
        md.AppendLine();
        md.AppendLine("## Evidence");
        md.AppendLine();
        md.AppendLine("| sparsity S | represented (of 20) | dimensions per feature | final loss |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (int k = 0; k < measures.Count; k++)
        {
            md.AppendLine($"| {S(k)} | {measures[k].RepresentedCount} | {BundleWriter.Format(measures[k].DimensionsPerFeature ?? 0)} | {BundleWriter.Format(results[k].FinalLoss, 4)} |");
        }
        md.AppendLine();
        md.AppendLine(SvgCharts.MarkdownImage("Represented features rise with sparsity",
            SvgCharts.LineChart([.. measures.Select(m => (double)m.RepresentedCount)], "Represented features by sparsity", "sparsity S", $"represented features (of {Features})", [.. Sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture))], ChartMedium.Image)));
        md.AppendLine();
        md.AppendLine("The Gram matrix $W^\\top W$ shows how: with dense features it is diagonal on the most important features and zero elsewhere; with sparse features, off-diagonal entries appear, features sharing directions with negative interference that the ReLU and bias filter out.");
        md.AppendLine();
        foreach (var k in new[] { 0, measures.Count - 1 })
        {
            md.AppendLine(SvgCharts.MarkdownImage($"Gram matrix at sparsity {S(k)}",
                SvgCharts.Heatmap([.. measures[k].Gram.Select(r => Array.ConvertAll(r, v => (double)v))], $"WᵀW at S = {S(k)}", "feature", "feature", medium: ChartMedium.Image)));
            md.AppendLine();
            md.AppendLine(SvgCharts.MarkdownImage($"Feature norms at sparsity {S(k)}",
                SvgCharts.Bars([.. Enumerable.Range(0, Features).Select(i => $"feature {i}")], measures[k].FeatureNorms, $"‖W_i‖ at S = {S(k)}", "‖W_i‖", new ReferenceLine(0.5, "represented above 0.5"), ChartMedium.Image)));
            md.AppendLine();
        }
        var last = measures[^1];
        var dims = last.Dimensionality.Where((_, i) => last.Represented[i]).Select(d => d).ToList();
        md.AppendLine($"At S = {S(measures.Count - 1)} the represented features have dimensionalities between {BundleWriter.Format(dims.DefaultIfEmpty(0).Min())} and {BundleWriter.Format(dims.DefaultIfEmpty(0).Max())} (mean {BundleWriter.Format(dims.DefaultIfEmpty(0).Average())}): fractions of a dimension, as in the paper's geometric picture.");
        md.AppendLine();
        md.AppendLine("## Caveats");
        md.AppendLine();
        md.AppendLine("- One seed per sparsity: the paper averages over many and shows the phase changes are sharp; counts near a transition can move by one or two under another seed.");
        md.AppendLine("- The 0.5 norm threshold is a convention; features with norms just under it are partially represented.");
        md.AppendLine("- Very sparse inputs make training noisy: at the highest sparsities each batch holds few active features.");
        md.AppendLine();
        md.AppendLine("## References");
        md.AppendLine();
        md.AppendLine("- Elhage, N., Hume, T., Olsson, C., et al. (2022). *Toy Models of Superposition*. Transformer Circuits Thread.");
        md.AppendLine("- Elhage, N., Nanda, N., Olsson, C., et al. (2021). *A Mathematical Framework for Transformer Circuits*. Transformer Circuits Thread.");
        return md.ToString();
    }
}
