using Archive.Engine.Transformer;

namespace Archive.Engine.Tests.Transformer;

/// <summary>
/// Section 2's forward pass written out with loops over doubles, independent of the tensor code, for one sequence.
/// </summary>
internal static class ReferenceForward
{
    public sealed record Result(double[][] Logits, double[][][][] Patterns);

    public static Result Run(HookedTransformer m, int[] tok)
    {
        var c = m.Config;
        double[] P(string name) => TestModels.Flat(m.Param(name));
        int n = tok.Length, d = c.d_model, H = c.n_heads, dh = c.d_head, V = c.d_vocab;
        var W_E = P("embed.W_E");
        var W_pos = P("pos_embed.W_pos");
        var resid = new double[n][];
        for (int i = 0; i < n; i++)
        {
            resid[i] = new double[d];
            for (int j = 0; j < d; j++) resid[i][j] = W_E[tok[i] * d + j] + W_pos[i * d + j];
        }
        bool ln = c.normalization_type == "LN";
        var patterns = new double[c.n_layers][][][];
        for (int l = 0; l < c.n_layers; l++)
        {
            string b = $"blocks.{l}.";
            var x = ln ? LayerNorm(resid, P(b + "ln1.w"), P(b + "ln1.b")) : resid;
            var WQ = P(b + "attn.W_Q"); var WK = P(b + "attn.W_K"); var WV = P(b + "attn.W_V"); var WO = P(b + "attn.W_O");
            var bQ = P(b + "attn.b_Q"); var bK = P(b + "attn.b_K"); var bV = P(b + "attn.b_V"); var bO = P(b + "attn.b_O");
            var attn = new double[n][];
            for (int i = 0; i < n; i++) attn[i] = (double[])bO.Clone();
            patterns[l] = new double[H][][];
            for (int h = 0; h < H; h++)
            {
                double[][] Project(double[] W, double[] bias)
                {
                    var r = new double[n][];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = new double[dh];
                        for (int e = 0; e < dh; e++)
                        {
                            double s = bias[h * dh + e];
                            for (int j = 0; j < d; j++) s += x[i][j] * W[(h * d + j) * dh + e];
                            r[i][e] = s;
                        }
                    }
                    return r;
                }
                var q = Project(WQ, bQ); var k = Project(WK, bK); var v = Project(WV, bV);
                var A = new double[n][];
                for (int i = 0; i < n; i++)
                {
                    A[i] = new double[n];
                    double max = double.NegativeInfinity;
                    for (int s = 0; s <= i; s++)
                    {
                        double dot = 0;
                        for (int e = 0; e < dh; e++) dot += q[i][e] * k[s][e];
                        A[i][s] = dot / Math.Sqrt(dh);
                        max = Math.Max(max, A[i][s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= i; s++) sum += A[i][s] = Math.Exp(A[i][s] - max);
                    for (int s = 0; s <= i; s++) A[i][s] /= sum;
                    for (int e = 0; e < dh; e++)
                    {
                        double z = 0;
                        for (int s = 0; s <= i; s++) z += A[i][s] * v[s][e];
                        for (int j = 0; j < d; j++) attn[i][j] += z * WO[(h * dh + e) * d + j];
                    }
                }
                patterns[l][h] = A;
            }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) resid[i][j] += attn[i][j];
            if (c.attn_only) continue;

            var x2 = ln ? LayerNorm(resid, P(b + "ln2.w"), P(b + "ln2.b")) : resid;
            var Win = P(b + "mlp.W_in"); var bin = P(b + "mlp.b_in"); var Wout = P(b + "mlp.W_out"); var bout = P(b + "mlp.b_out");
            int dm = c.d_mlp!.Value;
            var outs = new double[n][];
            for (int i = 0; i < n; i++)
            {
                outs[i] = (double[])bout.Clone();
                for (int mIdx = 0; mIdx < dm; mIdx++)
                {
                    double pre = bin[mIdx];
                    for (int j = 0; j < d; j++) pre += x2[i][j] * Win[j * dm + mIdx];
                    double post = Act(pre, c.act_fn!);
                    for (int j = 0; j < d; j++) outs[i][j] += post * Wout[mIdx * d + j];
                }
            }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) resid[i][j] += outs[i][j];
        }
        var final = ln ? LayerNorm(resid, P("ln_final.w"), P("ln_final.b")) : resid;
        var WU = P("unembed.W_U"); var bU = P("unembed.b_U");
        var logits = new double[n][];
        for (int i = 0; i < n; i++)
        {
            logits[i] = new double[V];
            for (int t = 0; t < V; t++)
            {
                double s = bU[t];
                for (int j = 0; j < d; j++) s += final[i][j] * WU[j * V + t];
                logits[i][t] = s;
            }
        }
        return new Result(logits, patterns);
    }

    private static double[][] LayerNorm(double[][] x, double[] w, double[] b) => x.Select(row =>
    {
        double mean = row.Average();
        double var = row.Select(v => (v - mean) * (v - mean)).Average();
        double scale = Math.Sqrt(var + 1e-5);
        return row.Select((v, j) => (v - mean) / scale * w[j] + b[j]).ToArray();
    }).ToArray();

    public static double Act(double x, string fn) => fn switch
    {
        "relu" => Math.Max(0, x),
        "gelu" => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        "gelu_new" => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        _ => throw new ArgumentException(fn),
    };

    /// <summary>erf by its Maclaurin series (|x| ≤ 3) or the asymptotic complement; error well below 1e-9 here.</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 5) return Math.Sign(x);
        double sum = 0, term = x;
        for (int k = 0; k < 200; k++)
        {
            sum += term / (2 * k + 1);
            term *= -x * x / (k + 1);
            if (Math.Abs(term) < 1e-17) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
