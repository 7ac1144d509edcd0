using Archive.Engine.Transformer;
using Xunit;

namespace Archive.Engine.Tests.Transformer;

public class HookNameTests
{
    [Fact]
    public void Pinned_ordered_hook_names_of_a_two_layer_model_with_mlp()
    {
        string[] expected =
        [
            "hook_embed",
            "hook_pos_embed",
            "blocks.0.hook_resid_pre",
            "blocks.0.ln1.hook_scale",
            "blocks.0.ln1.hook_normalized",
            "blocks.0.attn.hook_q",
            "blocks.0.attn.hook_k",
            "blocks.0.attn.hook_v",
            "blocks.0.attn.hook_attn_scores",
            "blocks.0.attn.hook_pattern",
            "blocks.0.attn.hook_z",
            "blocks.0.hook_attn_out",
            "blocks.0.hook_resid_mid",
            "blocks.0.ln2.hook_scale",
            "blocks.0.ln2.hook_normalized",
            "blocks.0.mlp.hook_pre",
            "blocks.0.mlp.hook_post",
            "blocks.0.hook_mlp_out",
            "blocks.0.hook_resid_post",
            "blocks.1.hook_resid_pre",
            "blocks.1.ln1.hook_scale",
            "blocks.1.ln1.hook_normalized",
            "blocks.1.attn.hook_q",
            "blocks.1.attn.hook_k",
            "blocks.1.attn.hook_v",
            "blocks.1.attn.hook_attn_scores",
            "blocks.1.attn.hook_pattern",
            "blocks.1.attn.hook_z",
            "blocks.1.hook_attn_out",
            "blocks.1.hook_resid_mid",
            "blocks.1.ln2.hook_scale",
            "blocks.1.ln2.hook_normalized",
            "blocks.1.mlp.hook_pre",
            "blocks.1.mlp.hook_post",
            "blocks.1.hook_mlp_out",
            "blocks.1.hook_resid_post",
            "ln_final.hook_scale",
            "ln_final.hook_normalized",
        ];
        using var model = TestModels.Create(TestModels.Config(layers: 2));
        Assert.Equal(expected, model.HookNames.Select(h => h.ToString()));

        using var scope = TorchSharp.torch.NewDisposeScope();
        var (_, cache) = model.RunWithCache(TorchSharp.torch.tensor(new long[] { 1, 2, 3 }));
        using (cache) Assert.Equal(expected, cache.Keys.Select(h => h.ToString()));
    }

    [Fact]
    public void Attention_only_model_without_normalization_has_no_ln_mlp_or_resid_mid_hooks()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 1, attnOnly: true, norm: null));
        Assert.Equal(
            ["hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre", "blocks.0.attn.hook_q", "blocks.0.attn.hook_k",
             "blocks.0.attn.hook_v", "blocks.0.attn.hook_attn_scores", "blocks.0.attn.hook_pattern", "blocks.0.attn.hook_z",
             "blocks.0.hook_attn_out", "blocks.0.hook_resid_post", "ln_final.hook_normalized"],
            model.HookNames.Select(h => h.ToString()));
    }

    [Fact]
    public void Every_name_parses_back_to_itself()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 12));
        foreach (var hook in model.HookNames) Assert.Equal(hook, HookName.Parse(hook.ToString()));
        Assert.Equal("blocks.11.attn.hook_pattern", HookName.Pattern(11).ToString());
        Assert.Equal(HookName.Z(3), HookName.Of(HookPoint.Z, 3));
        Assert.Equal(3, HookName.Parse("blocks.3.mlp.hook_post").Layer);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hook_pattern")]
    [InlineData("blocks.x.attn.hook_pattern")]
    [InlineData("blocks.01.attn.hook_pattern")]
    [InlineData("blocks.-1.attn.hook_pattern")]
    [InlineData("blocks.0.attn.hook_patterns")]
    [InlineData("blocks.0.hook_pattern")]
    [InlineData("Blocks.0.attn.hook_pattern")]
    public void Malformed_names_are_rejected(string name)
    {
        Assert.False(HookName.TryParse(name, out _));
        Assert.Throws<FormatException>(() => HookName.Parse(name));
    }
}
