using System.Text.Json;
using Archive.Engine.Evidence;
using Archive.Engine.Methods;
using Archive.Engine.Tests.Transformer;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;
using Xunit;

namespace Archive.Engine.Tests.Methods;

/// <summary>The ablation method's shares and first-copy control, and the head scores' chance level.</summary>
public class AblationMeasuresTests
{
    private const string Tokens = """ "seed": 7, "batch": 3, "seq_len": 5, "bos": 0 """;

    [Fact]
    public void Shares_set_each_head_alone_against_all_of_them_together()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2, attnOnly: true, heads: 3), seed: 6);
        string[] targets = ["L1H0", "L1H1", "L1H2"];
        var effect = Run(model, "ablation", targets, $$"""{ {{Tokens}} }""");
        var largest = Run(model, "ablation", targets, $$"""{ {{Tokens}}, "measure": "largest_single_share" }""");
        var sum = Run(model, "ablation", targets, $$"""{ {{Tokens}}, "measure": "sum_of_singles_share" }""");

        // By hand: the same batch, each head alone and all three together.
        var inputs = RepeatedTokens.Generate(3, 5, 23, 7, 0);
        var metric = MetricSpec.LossOver(5, 10);
        var joint = Interventions.Ablate(model, inputs.Tokens, [.. Enumerable.Range(0, 3).Select(h => Component.Head(1, h))], AblationKind.Zero, metric).Effect;
        var singles = Enumerable.Range(0, 3).Select(h => Interventions.Ablate(model, inputs.Tokens, [Component.Head(1, h)], AblationKind.Zero, metric).Effect).ToList();

        Assert.Equal(joint, effect.Headline, 1e-9);
        Assert.Equal(singles.Max() / joint, largest.Headline, 1e-9);
        Assert.Equal(singles.Sum() / joint, sum.Headline, 1e-9);
        var numbers = JsonSerializer.SerializeToElement(sum.Numbers);
        Assert.Equal(singles.Max() / joint, numbers.GetProperty("largest_single_share").GetDouble(), 1e-9);
        Assert.Equal("sum_of_singles_share", JsonSerializer.SerializeToElement(sum.Parameters).GetProperty("measure").GetString());
    }

    [Fact]
    public void A_second_copy_record_holds_the_same_ablation_on_the_first_copy_as_its_control()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2, attnOnly: true, heads: 2), seed: 8);
        var outcome = Run(model, "ablation", ["L1H0", "L1H1"], $$"""{ {{Tokens}} }""");
        var whole = Run(model, "ablation", ["L1H0", "L1H1"], $$"""{ {{Tokens}}, "metric": "loss" }""");

        var inputs = RepeatedTokens.Generate(3, 5, 23, 7, 0);
        // BOS + r + r: losses 0..4 predict the first copy's tokens.
        var firstCopy = Interventions.Ablate(model, inputs.Tokens, [Component.Head(1, 0), Component.Head(1, 1)], AblationKind.Zero, MetricSpec.LossOver(0, 5));
        var control = JsonSerializer.SerializeToElement(outcome.Numbers).GetProperty("control");
        Assert.Equal("loss_first_copy", control.GetProperty("metric").GetString());
        Assert.Equal(firstCopy.Effect, control.GetProperty("effect").GetDouble(), 1e-9);
        Assert.Equal(2, control.GetProperty("per_component").GetArrayLength());
        // Over all positions the first copy is part of the metric itself: no separate control.
        Assert.Equal(JsonValueKind.Null, JsonSerializer.SerializeToElement(whole.Numbers).GetProperty("control").ValueKind);
    }

    [Fact]
    public void A_share_needs_more_than_one_component()
    {
        var errors = new List<ClaimFieldError>();
        Assert.Null(ClaimMethods.TryParse("ablation", ["L1H0"], JsonDocument.Parse("""{"measure": "largest_single_share"}""").RootElement, errors));
        Assert.Equal("targets", Assert.Single(errors).Field);
        Assert.Equal(AblationMeasure.SumOfSinglesShare,
            ClaimMethods.Parse("ablation", ["L1H*"], JsonDocument.Parse("""{"measure": "sum_of_singles_share"}""").RootElement).ParametersAs<AblationParameters>().Measure);
        Assert.Equal(AblationMeasure.Effect, ClaimMethods.Parse("ablation", ["L1H0"], null).ParametersAs<AblationParameters>().Measure);
        errors.Clear();
        Assert.Null(ClaimMethods.TryParse("k_composition", ["L0H0", "L1H0"], JsonDocument.Parse("""{"measure": "rank", "baseline_samples": 5}""").RootElement, errors));
        Assert.Equal(["parameters.measure", "parameters.baseline_samples"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Even_attention_scores_exactly_the_chance_level_the_record_states()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 1, attnOnly: true, heads: 2, ctx: 24), seed: 9);
        // With no query (W_Q and b_Q zero) every score is 0 and each position attends evenly to all it may see.
        TestModels.Zero(model, "blocks.0.attn.W_Q");
        TestModels.Zero(model, "blocks.0.attn.b_Q");
        var outcome = Run(model, "induction_score", ["L0H0"], $$"""{ {{Tokens}} }""");
        var chance = HeadScores.UniformAttention(1, 5);
        var numbers = JsonSerializer.SerializeToElement(outcome.Numbers);

        Assert.Equal(chance.Induction, outcome.Headline, 1e-6);
        Assert.Equal(chance.PreviousToken, numbers.GetProperty("previous_token_score")[0][1].GetDouble(), 1e-6);
        Assert.Equal(chance.Induction, numbers.GetProperty("uniform_attention").GetProperty("induction_score").GetDouble());
        // By hand: positions 6..10 see 7..11 positions; positions 1..10 see 2..11.
        Assert.Equal(Enumerable.Range(6, 5).Average(d => 1.0 / (d + 1)), chance.Induction, 1e-15);
        Assert.Equal(Enumerable.Range(1, 10).Average(d => 1.0 / (d + 1)), chance.PreviousToken, 1e-15);
    }

    private static EvidenceOutcome Run(HookedTransformer model, string method, string[] targets, string parameters)
    {
        var claim = ClaimMethods.Parse(method, targets, JsonDocument.Parse(parameters).RootElement.Clone());
        IEvidenceMethod family = method == "ablation" ? new LossMethods() : new HeadScoreMethods();
        return family.Run(new EvidenceContext(claim, "", "", model));
    }
}
