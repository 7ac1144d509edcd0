using Archive.Engine;
using Archive.Engine.Methods;
using Archive.Engine.Transformer;
using static TorchSharp.torch;

namespace Archive.Specimens.Build;

/// <summary>
/// Loss on held-out text by position, and how much ablating a head costs where induction can help. Every in-context
/// learning score in the specimen is "loss earlier − loss later", so positive means later tokens are predicted better
/// (the archive's <c>icl_score</c> convention; Olsson et al. report the opposite difference).
/// </summary>
public sealed record RealTextResult(
    double[] LossByPosition, double Early, double Late, double IclScore,
    long InductionPositions, long OtherPositions,
    double CleanInduction, double CleanOther,
    double AblatedInduction, double AblatedOther,
    double PrevAblatedInduction, double PrevAblatedOther);

public static class BrownHeadAnalysis
{
    // Real-text in-context learning: loss at early positions minus loss at late ones (Olsson et al. use tokens 50 and 500).
    public const int EarlyFrom = 9, EarlyTo = 19, LateFrom = 99, LateTo = 127;

    /// <summary>
    /// Per-position loss on held-out windows, clean and with a head's z zeroed. "Induction positions" are the predictions
    /// of token t+1 where the current token t occurred earlier in the window and was followed there by the same token
    /// that follows it now ([A][B] … [A] → [B]); the rest are "other positions".
    /// </summary>
    public static RealTextResult RealTextLoss(HookedTransformer model, int[][] windows, Component inductionHead, Component previousHead)
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
        return new RealTextResult(byPosition, early, late, early - late, nI, nO,
            sumCI / nI, sumCO / nO, sumAI / nI, sumAO / nO, sumPI / nI, sumPO / nO);
    }

    /// <summary>P(X ≤ k) for X ~ Binomial(n, p): the chance that a rule true at rate p holds k or fewer times in n fresh tries.</summary>
    public static double BinomialAtMost(int k, int n, double p)
    {
        double total = 0, choose = 1;
        for (var i = 0; i <= k; i++)
        {
            if (i > 0) choose = choose * (n - i + 1) / i;
            total += choose * Math.Pow(p, i) * Math.Pow(1 - p, n - i);
        }
        return total;
    }
}
