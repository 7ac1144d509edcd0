using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using Archive.Formats.Claims;

namespace Archive.Engine.Evidence;

/// <summary>
/// Per-head attention scores on repeated random tokens (section 3): induction, duplicate-token and previous-token
/// scores with their exact index definitions, and TransformerLens's detect_head. The headline is the targeted head's
/// score; for several targets the minimum (each must hold), for <c>L1H*</c> the best head of the layer.
/// Parameters: seed, batch, seq_len (L, the repeated block), bos (token id of a BOS prefix, omitted for none). The record
/// sets every head's score beside the chance level of a head attending evenly (<see cref="HeadScores.UniformAttention"/>).
/// </summary>
public sealed class HeadScoreMethods : IEvidenceMethod
{
    public IReadOnlyCollection<string> Names { get; } = ["induction_score", "duplicate_token_score", "previous_token_score", "detect_head"];

    public EvidenceOutcome Run(EvidenceContext context)
    {
        var model = context.RequireTransformer();
        var claim = context.Claim;
        var p = claim.ParametersAs<HeadScoreParameters>();
        var (seed, batch, repeatLength, bos) = (p.Tokens.Seed, p.Tokens.Batch, p.Tokens.SeqLen, p.Tokens.Bos);
        var inputs = RepeatedTokens.Generate(batch, repeatLength, model.Config.d_vocab, seed, bos);
        object parameters = new { seed, batch, seq_len = repeatLength, bos, generator = inputs.Generator };

        double[][] perHead;
        object numbers;
        if (claim.Method == "detect_head")
        {
            var pattern = p.DetectionPattern;
            var result = DetectHeads.DetectHead(model, inputs.Tokens, pattern);
            perHead = result.Scores;
            numbers = new { detect_head = result.Scores };
            parameters = new
            {
                seed, batch, seq_len = repeatLength, bos, generator = inputs.Generator, detection_pattern = pattern,
                exclude_bos = result.ExcludeBos, exclude_current_token = result.ExcludeCurrentToken, error_measure = result.ErrorMeasure,
            };
        }
        else
        {
            var scores = HeadScores.Run(model, inputs);
            perHead = claim.Method switch
            {
                "induction_score" => scores.Induction,
                "duplicate_token_score" => scores.DuplicateToken,
                _ => scores.PreviousToken,
            };
            var chance = HeadScores.UniformAttention(inputs.PrefixLength, repeatLength);
            numbers = new
            {
                induction_score = scores.Induction, duplicate_token_score = scores.DuplicateToken, previous_token_score = scores.PreviousToken,
                uniform_attention = new
                {
                    description = "each score for a head attending evenly to every position it may see (A[d, s] = 1/(d+1)): the chance level",
                    induction_score = chance.Induction, duplicate_token_score = chance.DuplicateToken, previous_token_score = chance.PreviousToken,
                },
            };
        }

        var targets = ComponentTargets.Resolve(claim.Targets, model.Config);
        var headline = Headline(claim.Targets, perHead);
        var shown = targets.Select(t => (t.Layer, Head: t.Index!.Value)).Distinct().Take(8).ToList();
        var patterns = AttentionPatterns.Run(model, inputs.Tokens[0]);
        var artifacts = new
        {
            score_heatmap = new { title = $"{claim.Method} per head", rows = "layer", columns = "head", values = perHead },
            attention_patterns = shown.Select(s => new
            {
                title = $"Attention pattern of L{s.Layer}H{s.Head} on sequence 0",
                head = $"L{s.Layer}H{s.Head}",
                rows = "destination position",
                columns = "source position",
                values = patterns.Patterns[s.Layer][s.Head],
            }).ToList(),
        };
        return new EvidenceOutcome(headline, parameters, new { tokens = inputs.Tokens, prefix_length = inputs.PrefixLength, repeat_length = repeatLength }, numbers, artifacts);
    }

    /// <summary>The targeted score: min over explicitly named heads, max over a layer's heads for <c>L1H*</c>.</summary>
    internal static double Headline(IReadOnlyList<ComponentTarget> targets, double[][] perHead)
    {
        if (targets.Count == 0) throw new InvalidDataException("The claim names no heads.");
        return targets.Min(t => t.Kind switch
        {
            TargetKind.Head => perHead[t.Layer][t.Index],
            TargetKind.LayerHeads => perHead[t.Layer].Max(),
            _ => throw new InvalidDataException("Attention scores apply to heads only."),
        });
    }
}
