using System.Text.Json;
using Archive.Engine.Evidence;
using Archive.Engine.Methods;
using Archive.Engine.Tests.Transformer;
using Archive.Formats.Claims;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Methods;

public class CompositionBaselineTests
{
    [Fact]
    public void The_same_seed_gives_the_same_draws_and_another_seed_other_draws()
    {
        var a = CompositionBaseline.Sample(CompositionKind.K, 12, 3, seed: 5, samples: 40);
        var b = CompositionBaseline.Sample(CompositionKind.K, 12, 3, seed: 5, samples: 40);
        var c = CompositionBaseline.Sample(CompositionKind.K, 12, 3, seed: 6, samples: 40);
        Assert.Equal(a.Scores, b.Scores);
        Assert.NotEqual(a.Scores, c.Scores);
        Assert.All(a.Scores, s => Assert.InRange(s, 0, 1));
    }

    [Theory]
    [InlineData(CompositionKind.Q)]
    [InlineData(CompositionKind.K)]
    [InlineData(CompositionKind.V)]
    public void A_draw_is_regenerated_by_hand_from_the_rule_the_record_states(CompositionKind mode)
    {
        const int dModel = 6, dHead = 2;
        var baseline = CompositionBaseline.Sample(mode, dModel, dHead, seed: 42, samples: 2);

        // The stated rule in plain arrays: the second draw continues the stream where the first stopped.
        var rng = new SplitMix64(42);
        double[,] Draw(int rows, int columns)
        {
            var m = new double[rows, columns];
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < columns; j++)
                {
                    var u1 = ((rng.Next() >> 11) + 1) / 9007199254740992.0;
                    var u2 = (rng.Next() >> 11) / 9007199254740992.0;
                    m[i, j] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                }
            return m;
        }
        for (var draw = 0; draw < 2; draw++)
        {
            var (v, o) = (Draw(dModel, dHead), Draw(dHead, dModel));
            var (x, y) = mode == CompositionKind.V ? (Draw(dModel, dHead), Draw(dHead, dModel)) : (Draw(dModel, dHead), Draw(dModel, dHead));
            var right = mode switch
            {
                CompositionKind.Q => Times(x, Transpose(y)),
                CompositionKind.K => Times(y, Transpose(x)),
                _ => Times(x, y),
            };
            var left = Times(v, o);
            Assert.Equal(Norm(Times(left, right)) / (Norm(left) * Norm(right)), baseline.Scores[draw], 1e-12);
        }
    }

    [Fact]
    public void Random_matrices_compose_at_about_one_over_root_d_model()
    {
        var baseline = CompositionBaseline.Sample(CompositionKind.K, 64, 16, seed: 1, samples: 300);
        Assert.InRange(baseline.Mean, 0.9 / 8, 1.1 / 8);
        Assert.True(baseline.Quantile(0.5) < baseline.Quantile(0.95) && baseline.Quantile(0.95) <= baseline.Quantile(0.99));
        Assert.Equal(baseline.Scores.Max(), baseline.Quantile(1));
        // Nearest rank: the 285th smallest of 300 is the 0.95 quantile, and 95% of the draws lie strictly below the 286th.
        var sorted = baseline.Scores.Order().ToArray();
        Assert.Equal(sorted[284], baseline.Quantile(0.95));
        Assert.Equal(285 / 300.0, baseline.RankOf(sorted[285]));
    }

    [Fact]
    public void A_head_whose_keys_read_exactly_what_an_earlier_head_writes_beats_every_random_draw()
    {
        var config = TestModels.Config(layers: 2, attnOnly: true, heads: 2, d_model: 32, d_head: 4);
        using var model = TestModels.Create(config, seed: 3);
        // L0H0 writes into the first four dimensions (W_OV = P, the projection on them); L1H0's keys read those dimensions
        // (W_QK = P): the K-composition is ‖P·P‖/‖P‖² = 1/‖P‖_F = 1/2, far above what random matrices reach.
        var e = eye(32, 4, ScalarType.Float32);
        foreach (var (name, value) in new[] { ("blocks.0.attn.W_V", e), ("blocks.0.attn.W_O", e.T), ("blocks.1.attn.W_Q", e), ("blocks.1.attn.W_K", e) })
            TestModels.Set(model, name, w => { var c = w.clone(); c[0] = value; return c; });

        var aligned = Run(model, ["L0H0", "L1H0"], """{"measure": "baseline_rank", "baseline_seed": 9, "baseline_samples": 500}""");
        var score = Run(model, ["L0H0", "L1H0"], "{}");

        Assert.Equal(1.0, aligned.Headline);
        Assert.Equal(0.5, score.Headline, 1e-6);
        var numbers = JsonSerializer.SerializeToElement(aligned.Numbers);
        var baseline = numbers.GetProperty("baseline");
        Assert.Equal(score.Headline, numbers.GetProperty("score").GetDouble());
        Assert.True(baseline.GetProperty("p99").GetDouble() < 0.35, baseline.GetRawText()[..200]);
        Assert.Equal(500, baseline.GetProperty("scores").GetArrayLength());
        var parameters = JsonSerializer.SerializeToElement(aligned.Parameters);
        Assert.Equal((9, 500, "baseline_rank"), (parameters.GetProperty("baseline_seed").GetInt64(), parameters.GetProperty("baseline_samples").GetInt32(), parameters.GetProperty("measure").GetString()));
        Assert.Equal(CompositionBaseline.Generator, parameters.GetProperty("baseline_generator").GetString());
    }

    [Fact]
    public void A_claim_without_baseline_parameters_keeps_the_score_as_its_headline_and_random_pairs_rank_in_the_middle()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2, attnOnly: true, heads: 3, d_model: 24, d_head: 6), seed: 5);
        var composition = WeightScores.CompositionScores(model, CompositionKind.K).Scores;
        var ranks = new List<double>();
        for (var h1 = 0; h1 < 3; h1++)
            for (var h2 = 0; h2 < 3; h2++)
            {
                var targets = new[] { $"L0H{h1}", $"L1H{h2}" };
                Assert.Equal(composition[0][h1][1][h2], Run(model, targets, "{}").Headline);
                ranks.Add(Run(model, targets, """{"measure": "baseline_rank", "baseline_samples": 200}""").Headline);
            }
        // A randomly initialised model's heads are what the baseline models: their ranks spread over the range.
        Assert.InRange(ranks.Average(), 0.15, 0.85);
    }

    private static EvidenceOutcome Run(Archive.Engine.Transformer.HookedTransformer model, string[] targets, string parameters) =>
        new WeightMethods().Run(new EvidenceContext(ClaimMethods.Parse("k_composition", targets, JsonDocument.Parse(parameters).RootElement.Clone()), "", "", model));

    private static double[,] Times(double[,] a, double[,] b)
    {
        var (n, k, m) = (a.GetLength(0), a.GetLength(1), b.GetLength(1));
        var c = new double[n, m];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < m; j++)
                for (var t = 0; t < k; t++) c[i, j] += a[i, t] * b[t, j];
        return c;
    }

    private static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (var i = 0; i < a.GetLength(0); i++)
            for (var j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    private static double Norm(double[,] a) => Math.Sqrt(a.Cast<double>().Sum(v => v * v));
}
