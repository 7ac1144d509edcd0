using Archive.Engine.Methods;
using Archive.Engine.Models;
using Archive.Engine.Transformer;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Transformer;

public class HookedTransformerTests
{
    public static TheoryData<int, bool, string?, string> Architectures => new()
    {
        { 2, false, "LN", "gelu_new" },
        { 2, false, "LN", "gelu" },
        { 1, false, null, "relu" },
        { 2, true, "LN", "relu" },
        { 1, true, null, "relu" },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Forward_matches_a_loop_implementation_of_section_2(int layers, bool attnOnly, string? norm, string act)
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers, attnOnly, norm, act), seed: 7);
        int[] tokens = [3, 17, 0, 22, 5, 3, 17, 9];
        using var scope = NewDisposeScope();
        var (logits, cache) = model.RunWithCache(TokenTensor.From([tokens], CPU));
        using (cache)
        {
            var reference = ReferenceForward.Run(model, tokens);
            var actual = TestModels.Flat(logits);
            var expected = reference.Logits.SelectMany(r => r).ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
            for (int l = 0; l < layers; l++)
            {
                var pattern = TestModels.Flat(cache.Pattern(l));
                var refPattern = reference.Patterns[l].SelectMany(h => h.SelectMany(r => r)).ToArray();
                for (int i = 0; i < refPattern.Length; i++) Assert.Equal(refPattern[i], pattern[i], 1e-5);
            }
        }
    }

    [Fact]
    public void Zero_query_and_key_weights_give_uniform_causal_attention()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 1, attnOnly: true));
        TestModels.Zero(model, "blocks.0.attn.W_Q");
        TestModels.Zero(model, "blocks.0.attn.W_K");
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(TokenTensor.From(TestModels.RandomTokens(2, 10, 23, 1), CPU));
        using (cache)
        {
            var pattern = cache.Pattern(0); // [batch, head, dest, src]
            for (int d = 0; d < 10; d++)
                for (int s = 0; s < 10; s++)
                    Assert.Equal(s <= d ? 1.0 / (d + 1) : 0.0, pattern[1, 1, d, s].item<float>(), 1e-6);
        }
    }

    [Fact]
    public void Patterns_are_causal_and_rows_sum_to_one()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2), seed: 3);
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(TokenTensor.From(TestModels.RandomTokens(3, 12, 23, 2), CPU));
        using (cache)
        {
            for (int l = 0; l < 2; l++)
            {
                var p = cache.Pattern(l);
                Assert.True(TestModels.MaxAbsDiff(p.sum(-1), ones(3, 2, 12)) < 1e-5);
                Assert.Equal(0.0, p.triu(1).abs().max().item<float>());
                Assert.True(p.min().item<float>() >= 0);
            }
        }
    }

    [Fact]
    public void Fused_kernels_read_the_same_activations_as_the_step_by_step_run_and_step_aside_for_a_hook()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 7);
        using var scope = NewDisposeScope();
        var tokens = TokenTensor.From(TestModels.RandomTokens(3, 11, 23, 4), CPU);
        var resid = HookName.ResidPost(1);
        var (_, exact) = model.RunWithCache(tokens, h => h == resid, stopAtLayer: null, fused: false);
        var (_, fused) = model.RunWithCache(tokens, h => h == resid, stopAtLayer: null, fused: true);
        // A hook on the pattern sees it, and a change it makes reaches the output, fused or not.
        Tensor? Uniform(Tensor pattern, HookName _) => ones_like(pattern).tril() / ones_like(pattern).tril().sum(-1, keepdim: true);
        var (_, exactHooked) = model.RunWithCache(tokens, h => h == resid, null, false, (HookName.Pattern(1), Uniform));
        var (_, fusedHooked) = model.RunWithCache(tokens, h => h == resid, null, true, (HookName.Pattern(1), Uniform));
        using (exact) using (fused) using (exactHooked) using (fusedHooked)
        {
            Assert.InRange(TestModels.MaxAbsDiff(exact[resid], fused[resid]), 0.0, 1e-5);
            Assert.InRange(TestModels.MaxAbsDiff(exactHooked[resid], fusedHooked[resid]), 0.0, 1e-5);
            Assert.True(TestModels.MaxAbsDiff(exactHooked[resid], fused[resid]) > 1e-3, "the hook changed the run");
        }
    }

    [Fact]
    public void Cached_hooked_and_plain_runs_give_the_same_logits()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 5);
        using var scope = NewDisposeScope();
        var tokens = TokenTensor.From(TestModels.RandomTokens(2, 9, 23, 3), CPU);
        Tensor plain;
        using (no_grad()) plain = model.Forward(tokens);
        var (cached, cache) = model.RunWithCache(tokens);
        cache.Dispose();
        var hooked = model.RunWithHooks(tokens, (HookName.Pattern(1), (x, _) => null));
        Assert.Equal(0.0, TestModels.MaxAbsDiff(plain, cached));
        Assert.Equal(0.0, TestModels.MaxAbsDiff(plain, hooked));
        Assert.Equal([2L, 9, 23], plain.shape);
    }

    [Fact]
    public void Stopping_at_a_layer_returns_the_residual_stream_entering_it_and_caches_the_same_activations()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2), seed: 6);
        using var scope = NewDisposeScope();
        var tokens = TokenTensor.From(TestModels.RandomTokens(2, 9, 23, 4), CPU);
        var (_, full) = model.RunWithCache(tokens);
        var (resid, stopped) = model.RunWithCache(tokens, filter: null, stopAtLayer: 1);
        using (full)
        using (stopped)
        {
            Assert.Equal(0.0, TestModels.MaxAbsDiff(full[HookName.ResidPre(1)], resid));
            Assert.Equal(0.0, TestModels.MaxAbsDiff(full[HookName.ResidPost(0)], stopped[HookName.ResidPost(0)]));
            Assert.False(stopped.TryGetValue(HookName.ResidPre(1), out _), "block 1 did not run");
            Assert.False(stopped.TryGetValue(HookName.Pattern(1), out _), "block 1 did not run");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => model.RunWithCache(tokens, filter: null, stopAtLayer: 3));
    }

    [Fact]
    public void Residual_stream_decomposes_into_its_writes()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(), seed: 11);
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(TokenTensor.From(TestModels.RandomTokens(2, 8, 23, 4), CPU));
        using (cache)
        {
            Assert.True(TestModels.MaxAbsDiff(cache[HookName.ResidPre(0)], cache[HookName.Embed] + cache[HookName.PosEmbed]) < 1e-6);
            for (int l = 0; l < 2; l++)
            {
                var sum = cache[HookName.ResidPre(l)] + cache[HookName.AttnOut(l)] + cache[HookName.MlpOut(l)];
                Assert.True(TestModels.MaxAbsDiff(cache[HookName.ResidPost(l)], sum) < 1e-5);
                Assert.True(TestModels.MaxAbsDiff(cache[HookName.ResidMid(l)], cache[HookName.ResidPre(l)] + cache[HookName.AttnOut(l)]) < 1e-5);
                // attn_out = Σ_h z_h·W_O[h] + b_O
                var z = cache.Z(l);
                var perHead = einsum("bphe,hed->bpd", z, model.Param($"blocks.{l}.attn.W_O"));
                Assert.True(TestModels.MaxAbsDiff(cache[HookName.AttnOut(l)], perHead + model.Param($"blocks.{l}.attn.b_O")) < 1e-5);
            }
            Assert.True(TestModels.MaxAbsDiff(cache[HookName.ResidPre(1)], cache[HookName.ResidPost(0)]) == 0);
            Assert.Equal([2L, 8, 2, 4], cache[HookName.Q(0)].shape);
            Assert.Equal([2L, 2, 8, 8], cache[HookName.AttnScores(0)].shape);
            Assert.Equal([2L, 8, 1], cache[HookName.LnFinalScale].shape);
            Assert.Equal([2L, 8, 32], cache["blocks.1.mlp.hook_post"].shape);
        }
    }

    [Fact]
    public void Zero_ablating_every_head_leaves_the_direct_path()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 2, attnOnly: true), seed: 13);
        using var scope = NewDisposeScope();
        var tokens = TokenTensor.From(TestModels.RandomTokens(2, 7, 23, 5), CPU);
        var hooks = Component.AllHeads(model.Config).Select(Ablations.Zero).ToArray();
        var ablated = model.RunWithHooks(tokens, hooks);

        using var _ = no_grad();
        var resid = model.Param("embed.W_E").index(tokens) + model.Param("pos_embed.W_pos").narrow(0, 0, 7)
            + model.Param("blocks.0.attn.b_O") + model.Param("blocks.1.attn.b_O");
        var centered = resid - resid.mean([-1], keepdim: true);
        var normalized = centered / (centered.pow(2).mean([-1], keepdim: true) + 1e-5).sqrt() * model.Param("ln_final.w") + model.Param("ln_final.b");
        var direct = normalized.matmul(model.Param("unembed.W_U")) + model.Param("unembed.b_U");
        Assert.True(TestModels.MaxAbsDiff(ablated, direct) < 1e-5);
    }

    [Fact]
    public void A_hook_can_replace_an_activation_and_a_persistent_hook_goes_away_when_disposed()
    {
        using var model = TestModels.CreateFullyRandom(TestModels.Config(layers: 1, attnOnly: true), seed: 17);
        using var scope = NewDisposeScope();
        var tokens = TokenTensor.From(TestModels.RandomTokens(1, 6, 23, 6), CPU);
        var clean = model.RunWithHooks(tokens);
        var seen = new List<HookName>();
        var patched = model.RunWithHooks(tokens, (HookName.Pattern(0), (x, name) =>
        {
            seen.Add(name);
            return x.tril(-1).clone(); // drop attention to self
        }));
        Assert.Equal([HookName.Pattern(0)], seen);
        Assert.True(TestModels.MaxAbsDiff(clean, patched) > 1e-4);

        using (model.AddHook(HookName.AttnOut(0), (x, _) => zeros_like(x)))
        {
            var (_, cache) = model.RunWithCache(tokens);
            using (cache) Assert.Equal(0.0, cache[HookName.AttnOut(0)].abs().max().item<float>());
        }
        Assert.Equal(0.0, TestModels.MaxAbsDiff(clean, model.RunWithHooks(tokens)));

        Assert.Throws<InvalidOperationException>(() => model.RunWithHooks(tokens, (HookName.Z(0), (x, _) => x.sum(-1))));
        Assert.Throws<ArgumentException>(() => model.RunWithHooks(tokens, (HookName.MlpOut(0), (x, _) => x)));
    }

    [Fact]
    public void Cache_filter_keeps_only_the_chosen_hooks()
    {
        using var model = TestModels.Create(TestModels.Config());
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(tensor(new long[] { 1, 2, 3, 4 }), h => h.Point == HookPoint.Pattern);
        using (cache)
        {
            Assert.Equal([HookName.Pattern(0), HookName.Pattern(1)], cache.Keys);
            Assert.Throws<KeyNotFoundException>(() => cache[HookName.Z(0)]);
        }
    }

    [Fact]
    public void Ten_thousand_cached_runs_in_dispose_scopes_leak_no_tensors()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 1, d_model: 8, heads: 2, d_head: 4, vocab: 11, d_mlp: 8));
        using var tokens = tensor(new long[] { 1, 2, 3, 4, 5 }, [1, 5]);
        void Run()
        {
            using var scope = NewDisposeScope();
            var (logits, cache) = model.RunWithCache(tokens);
            using (cache) _ = cache.Pattern(0);
            _ = model.RunWithHooks(tokens, Ablations.Zero(Component.Head(0, 1)));
        }
        Run(); // warm-up
        var stats = DisposeScopeManager.Statistics;
        long before = stats.ThreadTotalLiveCount;
        for (int i = 0; i < 10_000; i++) Run();
        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void Cache_tensors_outlive_the_run_scope_until_the_cache_is_disposed()
    {
        using var model = TestModels.Create(TestModels.Config(layers: 1));
        using var tokens = tensor(new long[] { 1, 2, 3 }, [1, 3]);
        var (logits, cache) = model.RunWithCache(tokens);
        var pattern = cache.Pattern(0);
        Assert.Equal(3, pattern.shape[^1]);
        Assert.False(pattern.IsInvalid);
        cache.Dispose();
        Assert.True(pattern.IsInvalid);
        logits.Dispose();
    }

    [Fact]
    public void Same_seed_same_weights_and_state_dict_round_trips()
    {
        var config = TestModels.Config();
        using var a = TestModels.Create(config, seed: 42);
        using var b = TestModels.Create(config, seed: 42);
        using var other = TestModels.Create(config, seed: 43);
        Assert.Equal(0.0, TestModels.MaxAbsDiff(a.Param("blocks.1.attn.W_Q"), b.Param("blocks.1.attn.W_Q")));
        Assert.True(TestModels.MaxAbsDiff(a.Param("blocks.1.attn.W_Q"), other.Param("blocks.1.attn.W_Q")) > 0);
        double std = TestModels.Flat(a.Param("embed.W_E")).Select(x => x * x).Average();
        Assert.Equal(0.8 / Math.Sqrt(16), Math.Sqrt(std), 0.03);

        Assert.Equal(HookedTransformer.ExpectedParameters(config).Select(p => p.Name), a.StateDict().Keys);
        other.LoadStateDict(a.StateDict());
        using var scope = NewDisposeScope();
        var tokens = tensor(new long[] { 4, 5, 6 });
        Assert.Equal(0.0, TestModels.MaxAbsDiff(a.RunWithHooks(tokens), other.RunWithHooks(tokens)));
    }

    [Fact]
    public void LoadStateDict_names_the_bad_entry()
    {
        var config = TestModels.Config(layers: 1);
        using var model = TestModels.Create(config);
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> Copy() => model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

        var missing = Copy();
        missing.Remove("blocks.0.attn.W_K");
        Assert.Contains("blocks.0.attn.W_K", Assert.Throws<InvalidDataException>(() => model.LoadStateDict(missing)).Message);

        var wrongShape = Copy();
        wrongShape["blocks.0.mlp.W_in"] = zeros(32, 16);
        var ex = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(wrongShape));
        Assert.Contains("blocks.0.mlp.W_in", ex.Message);
        Assert.Contains("[32, 16]", ex.Message);

        var extra = Copy();
        extra["blocks.0.attn.W_X"] = zeros(1);
        Assert.Contains("blocks.0.attn.W_X", Assert.Throws<InvalidDataException>(() => model.LoadStateDict(extra)).Message);

        var withBuffers = Copy();
        withBuffers["blocks.0.attn.mask"] = ones(24, 24, ScalarType.Bool).tril();
        withBuffers["blocks.0.attn.IGNORE"] = tensor(-1e5f);
        model.LoadStateDict(withBuffers); // TransformerLens buffers are ignored
    }

    [Fact]
    public void Model_file_round_trip_gives_the_same_logits()
    {
        var config = TestModels.Config() with { model_name = "round-trip" };
        using var model = TestModels.CreateFullyRandom(config, seed: 21);
        var path = Path.Combine(Path.GetTempPath(), $"archive-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, config, model.StateDict());
            using var file = ModelFile.Load(path, CPU);
            using var loaded = HookedTransformer.FromStateDict(file.Config, file.StateDict, CPU);
            using var scope = NewDisposeScope();
            var tokens = tensor(new long[] { 1, 9, 3, 22 });
            Assert.Equal(0.0, TestModels.MaxAbsDiff(model.RunWithHooks(tokens), loaded.RunWithHooks(tokens)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Gelu_is_exact_and_gelu_new_is_the_tanh_approximation()
    {
        using var scope = NewDisposeScope();
        double[] xs = [-3, -1.5, -0.2, 0, 0.3, 1, 2.5];
        var x = tensor(xs, ScalarType.Float64);
        var gelu = TestModels.Flat(HookedTransformer.Activation(x, "gelu"));
        var geluNew = TestModels.Flat(HookedTransformer.Activation(x, "gelu_new"));
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(ReferenceForward.Act(xs[i], "gelu"), gelu[i], 1e-9);
            Assert.Equal(ReferenceForward.Act(xs[i], "gelu_new"), geluNew[i], 1e-12);
        }
        Assert.NotEqual(gelu[0], geluNew[0]);
    }
}
