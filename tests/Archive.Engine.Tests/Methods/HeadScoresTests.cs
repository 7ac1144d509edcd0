using System.Text.Json;
using Archive.Engine.Methods;
using Archive.Engine.Tests.Transformer;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Methods;

public class HeadScoresTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_stream()
    {
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
        Assert.Equal(0x06C45D188009454FUL, rng.Next());
    }

    [Fact]
    public void Repeated_tokens_are_prefix_r_r_from_the_recorded_seed()
    {
        var inputs = RepeatedTokens.Generate(batch: 2, repeatLength: 4, vocabSize: 50, seed: 42, bos: 7);
        // splitmix64(42) mod 50, worked out in Python: 13, 41, 8, 14, 0, 12, 25, 8
        Assert.Equal([7, 13, 41, 8, 14, 13, 41, 8, 14], inputs.Tokens[0]);
        Assert.Equal([7, 0, 12, 25, 8, 0, 12, 25, 8], inputs.Tokens[1]);
        Assert.Equal(1, inputs.PrefixLength);
        Assert.Equal(9, inputs.SequenceLength);
        Assert.Equal(inputs.Tokens, RepeatedTokens.Generate(2, 4, 50, 42, 7).Tokens);
        Assert.Equal([13, 41, 8, 14, 13, 41, 8, 14], RepeatedTokens.Generate(1, 4, 50, 42).Tokens[0]);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 5)]
    [InlineData(1, 1)]
    public void Uniform_attention_scores_are_the_mean_of_one_over_d_plus_one(int p, int L)
    {
        using var model = TestModels.Create(TestModels.Config(layers: 2, attnOnly: true));
        foreach (var l in new[] { 0, 1 })
        {
            TestModels.Zero(model, $"blocks.{l}.attn.W_Q");
            TestModels.Zero(model, $"blocks.{l}.attn.W_K");
        }
        var result = HeadScores.Run(model, batch: 3, repeatLength: L, seed: 5, bos: p == 1 ? 0 : null);

        // pattern[d, s] = 1/(d+1) for s ≤ d, whatever the tokens
        int n = p + 2 * L;
        double previous = Enumerable.Range(1, n - 1).Average(d => 1.0 / (d + 1));
        double repeated = Enumerable.Range(p + L, L).Average(d => 1.0 / (d + 1));
        foreach (var scores in new[] { result.PreviousToken, result.Induction, result.DuplicateToken })
            Assert.Equal(2, scores.Length);
        for (int l = 0; l < 2; l++)
            for (int h = 0; h < 2; h++)
            {
                Assert.Equal(previous, result.PreviousToken[l][h], 1e-6);
                Assert.Equal(repeated, result.Induction[l][h], 1e-6);
                Assert.Equal(repeated, result.DuplicateToken[l][h], 1e-6);
            }
        Assert.Equal(3, result.Inputs.Tokens.Length);
        Assert.Equal(n, result.Inputs.Tokens[0].Length);
    }

    [Fact]
    public void Exact_index_definitions_on_hand_made_patterns()
    {
        int p = 1, L = 3, n = p + 2 * L;
        using var scope = NewDisposeScope();
        var pattern = zeros(1, 3, n, n, ScalarType.Float64); // head 0: induction, head 1: duplicate, head 2: previous token
        for (int d = 0; d < n; d++)
        {
            pattern[0, 0, d, d >= p + L ? d - L + 1 : 0] = tensor(1.0);
            pattern[0, 1, d, d >= p + L ? d - L : 0] = tensor(1.0);
            pattern[0, 2, d, Math.Max(d - 1, 0)] = tensor(1.0);
        }
        var (ind, dup, prev) = HeadScores.FromPattern(pattern, p, L);
        Assert.Equal([1.0, 0, 0], TestModels.Flat(ind));
        Assert.Equal([0.0, 1, 0], TestModels.Flat(dup));
        // Heads 0 and 1 hit A[d, d−1] only at d = 1 (row 1 looks at position 0): 1 of the 6 rows d in [1, 7).
        Assert.Equal([1.0 / 6, 1.0 / 6, 1], TestModels.Flat(prev));
    }

    [Fact]
    public void Result_serializes_with_its_inputs()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 1, attnOnly: true));
        var result = HeadScores.Run(model, 2, 3, seed: 9, bos: 0);
        var json = JsonSerializer.Serialize(result);
        var back = JsonSerializer.Deserialize<HeadScoresResult>(json)!;
        Assert.Equal(result.Inputs.Tokens, back.Inputs.Tokens);
        Assert.Equal(9, back.Inputs.Seed);
        Assert.Equal("splitmix64-mod", back.Inputs.Generator);
        Assert.Equal(result.Induction, back.Induction);
    }

    [Fact]
    public void Detection_patterns_follow_TransformerLens()
    {
        int[] seq = [5, 1, 2, 1, 2];
        var dup = DetectHeads.NamedPattern("duplicate_token_head", seq);
        Assert.Equal(1, dup[3][1]);
        Assert.Equal(1, dup[4][2]);
        Assert.Equal(2, dup.Sum(r => r.Sum()));
        var ind = DetectHeads.NamedPattern("induction_head", seq);
        Assert.Equal(1, ind[3][2]); // token after the earlier 1
        Assert.Equal(1, ind[4][3]); // token after the earlier 2
        Assert.Equal(2, ind.Sum(r => r.Sum()));
        var prev = DetectHeads.NamedPattern("previous_token_head", seq);
        Assert.Equal(4, prev.Sum(r => r.Sum()));
        Assert.Equal(1, prev[4][3]);
    }

    [Fact]
    public void Detect_head_on_uniform_attention_is_the_pattern_mass_over_n()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 1, attnOnly: true));
        TestModels.Zero(model, "blocks.0.attn.W_Q");
        TestModels.Zero(model, "blocks.0.attn.W_K");
        var tokens = TestModels.RandomTokens(2, 8, 23, 3);
        var result = DetectHeads.DetectHead(model, tokens, "previous_token_head");
        // Σ(A⊙P) = Σ_{d≥1} 1/(d+1); ΣA = n.
        double expected = Enumerable.Range(1, 7).Sum(d => 1.0 / (d + 1)) / 8;
        Assert.Equal(expected, result.Scores[0][0], 1e-6);
        Assert.Equal("mul", result.ErrorMeasure);

        var noBos = DetectHeads.DetectHead(model, tokens, "previous_token_head", excludeBos: true);
        // Column 0 dropped: row d keeps d/(d+1); the (1,0) entry is gone from the numerator.
        double num = Enumerable.Range(2, 6).Sum(d => 1.0 / (d + 1));
        double den = Enumerable.Range(1, 7).Sum(d => (double)d / (d + 1));
        Assert.Equal(num / den, noBos.Scores[0][1], 1e-6);

        var custom = DetectHeads.DetectHead(model, tokens, DetectHeads.NamedPattern("previous_token_head", tokens[0]), errorMeasure: "abs");
        Assert.Equal("custom", custom.DetectionPattern);
        Assert.InRange(custom.Scores[0][0], -1, 1);
    }

    [Fact]
    public void Attention_patterns_come_back_as_heatmap_arrays()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2), seed: 4);
        var result = AttentionPatterns.Run(model, [1, 2, 3, 4, 5]);
        Assert.Equal(2, result.Patterns.Length);
        Assert.Equal(2, result.Patterns[1].Length);
        var heatmap = result.Patterns[1][0];
        Assert.Equal(5, heatmap.Length);
        foreach (var row in heatmap) Assert.Equal(1.0, row.Sum(), 1e-5);
        Assert.Equal(0f, heatmap[0][4]);
    }
}
