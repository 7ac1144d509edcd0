using Archive.Data.Circuits;

namespace Archive.Specimens.Build;

/// <summary>
/// The diagram: the previous-token head and every last-layer head that carries induction, each with the numbers that say
/// how much of the function it carries (its score, its ablation alone, the set's ablation). Edges from the previous-token
/// head into each induction head weigh their K-composition; edges to the logits weigh the head's copying score; the
/// embedding edges are schematic (weight 1: where each head's query, key or value comes from, not a measurement).
/// </summary>
public static class InductionCircuit
{
    public static CircuitDocument Build(InductionAnalysis a)
    {
        var F = (Func<double, string>)(v => BundleWriter.Format(v));
        int last = a.LastLayer, n = a.InductionHeads.Count;
        var prev = InductionSpecimen.Head(0, a.PreviousHead);
        var p99 = a.Baseline.Quantile(0.99);
        var kRange = a.InductionHeads.Select(h => a.KComposition[a.PreviousHead][h]).ToList();

        var nodes = new List<CircuitNodeDocument>
        {
            new("embed", "embed", null, null, null, null, "Token embedding", "W_E: the current token.", null, null, null),
            new("pos_embed", "pos_embed", null, null, null, null, "Positional embedding", "W_pos: lets layer 0 find the previous position.", null, null, null),
            new(prev, "attn_head", 0, a.PreviousHead, null, null, $"Previous-token head {prev}",
                $"Previous-token score {F(a.PreviousScore.Mean)} (even attention: {F(a.Chance.PreviousToken)}). Ablating it alone costs {F(a.LayerZeroSingles[a.PreviousHead].Mean)} nats on the second copy.",
                null, null, null),
        };
        var edges = new List<CircuitEdgeDocument>
        {
            new("pos_embed", prev, 1, "q"),
            new("embed", prev, 1, "v"),
        };
        for (var i = 0; i < n; i++)
        {
            var h = a.InductionHeads[i];
            var id = InductionSpecimen.Head(last, h);
            var k = a.KComposition[a.PreviousHead][h];
            nodes.Add(new(id, "attn_head", last, h, null, null, $"Induction head {id}",
                $"Induction score {F(a.InductionScores[h].Mean)}. Ablating it alone costs {F(a.Singles[i].Mean)} nats on the second copy; all {n} together {F(a.SetEffect.Mean)}. K-composition with {prev} {F(k)} (random 99th percentile {F(p99)}); copying score {F(a.Copying[h])}.",
                null, null, null));
            edges.Add(new(prev, id, k, "k"));
            edges.Add(new("embed", id, 1, "q"));
            edges.Add(new(id, "logits", a.Copying[h], "o"));
        }
        nodes.Add(new("logits", "logit", null, null, null, null, "Logits", "Next-token prediction.", null, null, null));

        var title = n > 1 ? $"One previous-token head → {n} induction heads" : "Previous-token head → induction head";
        var description = n > 1
            ? $"{prev} writes the previous token into each position; each of the {n} induction heads of layer {last} reads it through its keys (K-composition {F(kRange.Min())}–{F(kRange.Max())}, random 99th percentile {F(p99)}), attends to the token after an earlier copy of the current one and copies it. The function is spread over them: ablating any one alone costs at most {F(a.Singles.Max(s => s.Mean))} nats on the second copy, all {n} together {F(a.SetEffect.Mean)}; ablating {prev} alone costs {F(a.LayerZeroSingles[a.PreviousHead].Mean)}."
            : $"{prev} writes the previous token into each position; the induction head's keys read it (K-composition {F(kRange[0])}, random 99th percentile {F(p99)}), so it attends to the token after an earlier copy of the current token and copies it to the output.";
        return new CircuitDocument("induction-circuit", title, description, null, null, nodes, edges);
    }
}
