using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Engine.Methods;

/// <summary>One term of the residual stream at the answer position: per sequence and mean over the batch.</summary>
public sealed record DlaTerm(string Label, string Kind, int? Layer, int? Head, double[] PerSequence, double Mean);

/// <summary>
/// Direct logit attribution (section 4) at each sequence's answer position. Each residual-stream term x
/// (embed, pos_embed, every head's z_h·W_O[h], every layer's b_O, every MLP's output) scores
/// ((x − mean(x)) / scale) · (ln_final.w ⊙ (W_U[:, correct] − W_U[:, incorrect])), with scale = ln_final.hook_scale
/// from the clean run. This is TransformerLens's <c>cache.logit_attrs</c> on a model loaded with <c>fold_ln</c>
/// (where ln_final.w is folded into W_U), and it reduces to section 4's formula when ln_final.w = 1 and the term is
/// centred. Without normalization the term is simply x · (W_U[:, correct] − W_U[:, incorrect]).
/// The terms plus <see cref="LnBiasTerm"/> (ln_final.b · direction) and <see cref="UnembedBiasTerm"/>
/// (b_U[correct] − b_U[incorrect]) sum to <see cref="LogitDifference"/>.
/// </summary>
public sealed record DirectLogitAttributionResult
{
    public required int[][] Tokens { get; init; }
    public required int[] AnswerPositions { get; init; }
    public required int[] CorrectTokens { get; init; }
    public required int[] IncorrectTokens { get; init; }
    public required DlaTerm[] Terms { get; init; }
    public required double[] LogitDifference { get; init; }
    public required double[] LnBiasTerm { get; init; }
    public required double[] UnembedBiasTerm { get; init; }
}

public static class DirectLogitAttribution
{
    public static DirectLogitAttributionResult Run(HookedTransformer model, int[][] tokens, int[] correctTokens, int[] incorrectTokens, int[]? answerPositions = null)
    {
        var c = model.Config;
        int batch = tokens.Length, n = tokens[0].Length;
        var spec = MetricSpec.LogitDifference(correctTokens, incorrectTokens, answerPositions);
        spec.Validate(batch, n);
        var positions = Enumerable.Range(0, batch).Select(b => spec.AnswerPosition(b, n)).ToArray();
        bool ln = c.normalization_type == "LN";

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var t = TokenTensor.From(tokens, model.Device);
        var (logits, cache) = model.RunWithCache(t);
        using (cache)
        {
            var bIdx = tensor(Enumerable.Range(0, batch).Select(i => (long)i).ToArray(), ScalarType.Int64, model.Device);
            var pIdx = tensor(positions.Select(p => (long)p).ToArray(), ScalarType.Int64, model.Device);
            Tensor AtAnswer(Tensor x) => x.index(bIdx, pIdx).to(ScalarType.Float64); // [batch, ...]

            var W_U = model.Param("unembed.W_U").detach().to(ScalarType.Float64);
            var cTok = tensor(correctTokens.Select(x => (long)x).ToArray(), ScalarType.Int64, model.Device);
            var iTok = tensor(incorrectTokens.Select(x => (long)x).ToArray(), ScalarType.Int64, model.Device);
            var u = (W_U.index_select(1, cTok) - W_U.index_select(1, iTok)).T; // [batch, d_model]
            var direction = ln ? u * model.Param("ln_final.w").detach().to(ScalarType.Float64) : u;
            var scale = ln ? AtAnswer(cache[HookName.LnFinalScale]) : ones(batch, 1, ScalarType.Float64, model.Device); // [batch, 1]

            // x: [batch, ..., d_model] at the answer position → [batch, ...] attribution
            Tensor Attribute(Tensor x)
            {
                if (ln) x = x - x.mean([-1], keepdim: true);
                var dir = direction.view([batch, .. Enumerable.Repeat(1L, (int)x.dim() - 2), c.d_model]);
                var s = scale.view([batch, .. Enumerable.Repeat(1L, (int)x.dim() - 1)]);
                return (x / s * dir).sum(-1);
            }

            var terms = new List<DlaTerm>();
            void Add(string label, string kind, int? layer, int? head, Tensor perSequence)
            {
                var values = HeadScores.ToDoubles(perSequence);
                terms.Add(new DlaTerm(label, kind, layer, head, values, values.Average()));
            }

            Add("embed", "embed", null, null, Attribute(AtAnswer(cache[HookName.Embed])));
            Add("pos_embed", "pos_embed", null, null, Attribute(AtAnswer(cache[HookName.PosEmbed])));
            for (int l = 0; l < c.n_layers; l++)
            {
                var z = AtAnswer(cache.Z(l)); // [batch, head, d_head]
                var W_O = model.Param($"blocks.{l}.attn.W_O").detach().to(ScalarType.Float64); // [head, d_head, d_model]
                var heads = Attribute(einsum("bhe,hed->bhd", z, W_O)); // [batch, head]
                for (int h = 0; h < c.n_heads; h++) Add($"L{l}H{h}", "attn_head", l, h, heads[TensorIndex.Colon, h]);
                var b_O = model.Param($"blocks.{l}.attn.b_O").detach().to(ScalarType.Float64).unsqueeze(0).expand(batch, c.d_model);
                Add($"b_O{l}", "attn_bias", l, null, Attribute(b_O));
                if (!c.attn_only) Add($"MLP{l}", "mlp", l, null, Attribute(AtAnswer(cache[HookName.MlpOut(l)])));
            }

            var lnBias = ln
                ? (u * model.Param("ln_final.b").detach().to(ScalarType.Float64)).sum(-1)
                : zeros(batch, ScalarType.Float64, model.Device);
            var b_U = model.Param("unembed.b_U").detach().to(ScalarType.Float64);
            var unembedBias = b_U.index_select(0, cTok) - b_U.index_select(0, iTok);
            var lg = AtAnswer(logits);
            var diff = lg.gather(1, cTok.unsqueeze(1)).squeeze(1) - lg.gather(1, iTok.unsqueeze(1)).squeeze(1);

            return new DirectLogitAttributionResult
            {
                Tokens = tokens, AnswerPositions = positions, CorrectTokens = correctTokens, IncorrectTokens = incorrectTokens,
                Terms = [.. terms], LogitDifference = HeadScores.ToDoubles(diff),
                LnBiasTerm = HeadScores.ToDoubles(lnBias), UnembedBiasTerm = HeadScores.ToDoubles(unembedBias),
            };
        }
    }
}
