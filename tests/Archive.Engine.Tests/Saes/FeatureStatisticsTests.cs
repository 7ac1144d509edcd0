using Archive.Formats.SaeLens;
using System.Text.Json;
using Archive.Engine.Saes;
using Archive.Engine.Transformer;
using Archive.Formats.Models;
using Xunit;
using static Archive.Engine.Tests.Saes.SaeTestData;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Saes;

/// <summary>
/// A hand-made token set of 2 sequences × 4 positions, read by an identity SAE (W_enc = W_dec = I, zero biases),
/// so f = ReLU(x):
/// <code>
///            seq 0                      seq 1
/// feature 0: [0,  0.1,   10, 0]         [1, 0, 0, 100]
/// feature 1: [−1→0, 0.001, 0, 0]        [0, 0, 0, 0]
/// tokens:    [10, 11, 12, 13]           [20, 21, 22, 23]
/// </code>
/// </summary>
public class FeatureStatisticsTests
{
    private static readonly int[][] Tokens = [[10, 11, 12, 13], [20, 21, 22, 23]];

    private static Tensor Activations()
    {
        var f0 = new float[] { 0, 0.1f, 10, 0, 1, 0, 0, 100 };
        var f1 = new float[] { -1, 0.001f, 0, 0, 0, 0, 0, 0 };
        var data = new float[16];
        for (var t = 0; t < 8; t++)
        {
            data[2 * t] = f0[t];
            data[2 * t + 1] = f1[t];
        }
        return tensor(data).reshape(2, 4, 2); // [n_seq, n_pos, d_in]
    }

    private static SparseAutoencoder IdentitySae()
    {
        var weights = new Dictionary<string, Tensor>
        {
            ["W_enc"] = eye(2), ["W_dec"] = eye(2), ["b_enc"] = zeros(2), ["b_dec"] = zeros(2),
        };
        return new SparseAutoencoder(new SaeLensConfig { d_in = 2, d_sae = 2, hook_name = "blocks.0.hook_resid_post" }, weights);
    }

    [Fact]
    public void Density_is_the_fraction_of_tokens_with_positive_activation()
    {
        using var acts = Activations();
        using var f = nn.functional.relu(acts);
        Assert.Equal(new[] { 0.5, 0.125 }, FeatureStatistics.Density(f));
    }

    [Fact]
    public void Top_contexts_are_the_highest_activations_with_their_windows()
    {
        using var acts = Activations();
        using var f0 = acts.select(2, 0); // [n_seq, n_pos]
        var top = FeatureStatistics.TopContexts(f0, Tokens, k: 2, windowBefore: 1, windowAfter: 1);

        Assert.Equal(2, top.Length);
        Assert.Equal((1, 3, 100f), (top[0].Sequence, top[0].Position, top[0].Activation));
        Assert.Equal(2, top[0].WindowStart);                     // clipped at the sequence's end
        Assert.Equal(new[] { 22, 23 }, top[0].TokenIds);
        Assert.Equal(new[] { 0f, 100f }, top[0].Activations);
        Assert.Equal((0, 2, 10f), (top[1].Sequence, top[1].Position, top[1].Activation));
        Assert.Equal(new[] { 11, 12, 13 }, top[1].TokenIds);
        Assert.Equal(new[] { 0.1f, 10f, 0f }, top[1].Activations);

        // Asking for more than there are positive activations returns only those.
        Assert.Equal(4, FeatureStatistics.TopContexts(f0, Tokens, k: 10, windowBefore: 0, windowAfter: 0).Length);
    }

    [Fact]
    public void Histogram_bins_log10_of_nonzero_activations()
    {
        var edges = new FeatureStatisticsOptions { HistogramMinLog10 = -2, HistogramMaxLog10 = 2, HistogramBins = 4 }.HistogramEdges();
        Assert.Equal(new[] { -2.0, -1, 0, 1, 2 }, edges);

        // log10: 0.1 → −1 (bin 1), 10 → 1 (bin 3), 1 → 0 (bin 2), 100 → 2 (the last edge belongs to the last bin).
        var h0 = FeatureStatistics.LogHistogram([0, 0.1f, 10, 0, 1, 0, 0, 100], edges);
        Assert.Equal(new long[] { 0, 1, 1, 2 }, h0.Counts);
        Assert.Equal((0L, 0L), (h0.Underflow, h0.Overflow));

        // 0.001 → −3, below the first edge; −1 is not a positive activation and is skipped.
        var h1 = FeatureStatistics.LogHistogram([-1, 0.001f, 0, 1000.5f], edges);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, h1.Counts);
        Assert.Equal((1L, 1L), (h1.Underflow, h1.Overflow));
    }

    [Fact]
    public void Logit_effects_and_similar_features_come_from_the_decoder()
    {
        using var sae = Sae(SaeLensConfig.Standard); // W_dec rows [1, 0], [0, 2], [1, 1]
        using var W_U = tensor(new float[,] { { 1, -1, 0 }, { 0, 3, -3 } }); // [d_in, d_vocab]

        // W_dec[2]·W_U = [1, 2, −3].
        var effects = FeatureStatistics.LogitEffectsOf(sae, W_U, feature: 2, top: 1);
        Assert.Equal(new TokenEffect(1, 2f), effects.Positive.Single());
        Assert.Equal(new TokenEffect(2, -3f), effects.Negative.Single());

        // cos(0, 2) = cos(1, 2) = 1/√2, cos(0, 1) = 0.
        var similar = FeatureStatistics.SimilarFeaturesOf(sae, feature: 0, top: 2);
        Assert.Equal(2, similar[0].Index);
        Assert.Equal(1 / MathF.Sqrt(2), similar[0].Cosine, 1e-6f);
        Assert.Equal(1, similar[1].Index);
        Assert.Equal(0f, similar[1].Cosine, 1e-6f);
    }

    [Fact]
    public void Compute_assembles_every_statistic_and_records_its_inputs()
    {
        using var sae = IdentitySae();
        using var acts = Activations();
        using var W_U = tensor(new float[,] { { 1, -1, 0 }, { 0, 3, -3 } });
        var inputs = TokenSetRecord.Create(Tokens, generator: "hand-made", seed: 0, hookName: "blocks.0.hook_resid_post");
        var options = new FeatureStatisticsOptions
        {
            TopContexts = 2, WindowBefore = 1, WindowAfter = 1, HistogramMinLog10 = -2, HistogramMaxLog10 = 2, HistogramBins = 4,
            TopLogitTokens = 1, SimilarFeatures = 1, ChunkTokens = 3, // chunks that do not divide the 8 tokens
        };
        var result = FeatureStatistics.Compute(sae, acts, inputs, Tokens, options, W_U);

        Assert.Equal(8, result.TokenCount);
        Assert.Equal(new[] { 0.5, 0.125 }, result.Density);
        Assert.Equal(Math.Log10(0.5), result.LogSparsity[0]!.Value, 12);
        Assert.Equal(Tokens, result.Inputs.TokenIds);
        Assert.Equal(TokenSetRecord.Hash(Tokens), result.Inputs.Sha256);

        var f0 = result.Features[0];
        Assert.Equal(4, f0.ActiveTokens);
        Assert.Equal(100f, f0.MaxActivation);
        Assert.Equal(new long[] { 0, 1, 1, 2 }, f0.Histogram.Counts);
        Assert.Equal(new[] { (1, 3), (0, 2) }, f0.TopContexts.Select(c => (c.Sequence, c.Position)));
        Assert.Equal(new TokenEffect(0, 1f), f0.LogitEffects!.Positive.Single());
        Assert.Equal(new TokenEffect(1, -1f), f0.LogitEffects.Negative.Single());
        Assert.Equal(1, f0.SimilarFeatures.Single().Index);

        var f1 = result.Features[1];
        Assert.Equal(1, f1.ActiveTokens);
        Assert.Equal(1L, f1.Histogram.Underflow);
        Assert.Equal(new TokenEffect(1, 3f), f1.LogitEffects!.Positive.Single());
        Assert.Equal(new TokenEffect(2, -3f), f1.LogitEffects.Negative.Single());

        // Plain records: the whole result serialises.
        var json = JsonSerializer.Serialize(result);
        Assert.Contains("\"Sha256\"", json);
        Assert.Contains("\"TopContexts\"", json);
    }

    [Fact]
    public void Token_set_hash_is_sha256_of_little_endian_int32()
    {
        // SHA-256 of bytes 01 00 00 00 02 00 00 00 (python: hashlib.sha256(np.array([[1, 2]], '<i4').tobytes())).
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 1, 0, 0, 0, 2, 0, 0, 0 }));
        Assert.Equal(expected, TokenSetRecord.Hash([[1, 2]]));
        var large = TokenSetRecord.Create([new int[10]], inlineLimit: 5);
        Assert.Null(large.TokenIds);
        Assert.Equal(10, large.SequenceLength);
    }

    [Fact]
    public void Compute_from_a_model_reads_the_SAEs_hook()
    {
        var config = new HookedTransformerConfig
        {
            n_layers = 1, d_model = 8, n_heads = 2, d_head = 4, d_mlp = 16, d_vocab = 12, n_ctx = 6, act_fn = "relu", normalization_type = "LN",
        };
        using var model = HookedTransformer.Create(config, seed: 1, CPU);
        using var sae = new SparseAutoencoder(new SaeLensConfig { d_in = 8, d_sae = 10, hook_name = "blocks.0.hook_resid_post" }, CPU, new Generator(2));
        int[][] tokens = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 0, 1, 2, 3]];

        var result = FeatureStatistics.Compute(model, sae, tokens, generator: "hand-picked", seed: null,
            new FeatureStatisticsOptions { Features = [0, 3], TopContexts = 3 }, batchSequences: 2);

        // The same numbers by hand: run the model, encode the hook's activations, count.
        using var ids = tensor(tokens.SelectMany(t => t).Select(t => (long)t).ToArray(), [3, 5], int64, CPU);
        var (logits, cache) = model.RunWithCache(ids);
        using (logits)
        using (cache)
        {
            using var f = sae.Encode(cache["blocks.0.hook_resid_post"]);
            Assert.Equal(FeatureStatistics.Density(f), result.Density);
        }
        Assert.Equal(new[] { 0, 3 }, result.Features.Select(x => x.Index));
        Assert.NotNull(result.Features[0].LogitEffects); // residual-stream hook: W_U applies
        Assert.Equal("blocks.0.hook_resid_post", result.Inputs.HookName);
        Assert.Equal(15, result.TokenCount);
    }

    [Fact]
    public void Streaming_compute_agrees_with_the_per_feature_functions()
    {
        using var sae = new SparseAutoencoder(new SaeLensConfig { d_in = 4, d_sae = 6, architecture = "topk", k = 3 }, CPU, new Generator(4));
        using var acts = randn(new long[] { 5, 7, 4 }, generator: new Generator(5));
        var tokens = Enumerable.Range(0, 5).Select(s => Enumerable.Range(0, 7).Select(p => 100 * s + p).ToArray()).ToArray();
        var options = new FeatureStatisticsOptions { TopContexts = 4, WindowBefore = 2, WindowAfter = 1, ChunkTokens = 4, HistogramBins = 12 };
        var result = FeatureStatistics.Compute(sae, acts, TokenSetRecord.Create(tokens), tokens, options);

        using var f = sae.Encode(acts); // [5, 7, 6]
        Assert.Equal(FeatureStatistics.Density(f), result.Density);
        foreach (var summary in result.Features)
        {
            using var column = f.select(2, summary.Index); // [5, 7]
            var values = Values(column);
            var histogram = FeatureStatistics.LogHistogram(values, options.HistogramEdges());
            Assert.Equal(histogram.Counts, summary.Histogram.Counts);
            Assert.Equal((histogram.Underflow, histogram.Overflow), (summary.Histogram.Underflow, summary.Histogram.Overflow));
            Assert.Equal(values.Max(), summary.MaxActivation);
            var expected = FeatureStatistics.TopContexts(column, tokens, 4, 2, 1);
            Assert.Equal(expected.Length, summary.TopContexts.Length);
            for (var r = 0; r < expected.Length; r++)
            {
                Assert.Equal((expected[r].Sequence, expected[r].Position, expected[r].WindowStart), (summary.TopContexts[r].Sequence, summary.TopContexts[r].Position, summary.TopContexts[r].WindowStart));
                Assert.Equal(expected[r].TokenIds, summary.TopContexts[r].TokenIds);
                Assert.Equal(expected[r].Activations, summary.TopContexts[r].Activations);
            }
        }
    }

    [Theory]
    [InlineData("topk")]
    [InlineData("standard")]
    public void Codes_encoded_once_and_kept_sparse_give_the_same_statistics_as_encoding_each_block(string architecture)
    {
        // The worker answers feature claims from SparseFeatureCodes; the specimen builder encodes on the fly. Both must
        // produce the same numbers, including blocks that end mid-sequence and tokens where no feature fires.
        using var sae = new SparseAutoencoder(new SaeLensConfig { d_in = 4, d_sae = 9, architecture = architecture, k = architecture == "topk" ? 2 : null }, CPU, new Generator(7));
        using var acts = randn(new long[] { 6, 5, 4 }, generator: new Generator(8));
        var tokens = Enumerable.Range(0, 6).Select(s => Enumerable.Range(0, 5).Select(p => 10 * s + p).ToArray()).ToArray();
        var options = new FeatureStatisticsOptions { TopContexts = 3, WindowBefore = 1, WindowAfter = 1, ChunkTokens = 7, SimilarFeatures = 0 };
        var sparse = SparseFeatureCodes.Encode(sae, acts, chunkTokens: 4);

        using (var dense = sae.Encode(acts).reshape(30, 9))
        using (var rebuilt = sparse.Tokens(0, 30))
        {
            Assert.Equal(Values(dense), Values(rebuilt));
            Assert.True(Values(dense).Any(v => v == 0), "some entries are zero, so the sparse form drops something");
        }
        var expected = FeatureStatistics.Compute(sae, acts, TokenSetRecord.Create(tokens), tokens, options);
        var actual = FeatureStatistics.Compute(sae, sparse, TokenSetRecord.Create(tokens), tokens, options);
        Assert.Equal(expected.Density, actual.Density);
        Assert.Equal(JsonSerializer.Serialize(expected.Features), JsonSerializer.Serialize(actual.Features));
    }
}
