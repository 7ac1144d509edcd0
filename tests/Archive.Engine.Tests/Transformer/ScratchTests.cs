using System.Diagnostics;
using Archive.Engine.Methods;
using Archive.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace Archive.Engine.Tests.Transformer;

public class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public void Scratch()
    {
        int E(string n, int d) => int.TryParse(Environment.GetEnvironmentVariable(n), out var v) ? v : d;
        double lr = double.TryParse(Environment.GetEnvironmentVariable("S_LR"), out var x) ? x : 1e-3;
        var o = new InductionTrainingOptions { n_layers = 2, n_heads = E("S_H", 4), d_model = E("S_D", 32), d_head = E("S_DH", 8), d_vocab = E("S_V", 32), RepeatLength = E("S_L", 8), MinRepeatLength = E("S_MINL", 3),
            Steps = E("S_STEPS", 400), BatchSize = E("S_B", 32), LearningRate = lr, Seed = E("S_SEED", 3), ReportEvery = 100, EvaluationBatch = 16 };
        var sw = Stopwatch.StartNew();
        var r = InductionTraining.Train(o, null, CPU);
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1}s");
        var icl = LossScores.InContextLearning(r.Model, 64, o.RepeatLength, 99, 0);
        output.WriteLine("icl " + icl.Score.ToString("F2") + ": " + string.Join(" ", icl.LossByPosition.Select(x => x.ToString("F2"))));
        output.WriteLine(string.Join(" ", r.LossCurve.Select(x => x.Loss.ToString("F2"))));
        for (int l = 0; l < 2; l++) output.WriteLine($"L{l} ind " + string.Join(" ", r.Scores.Induction[l].Select(x => x.ToString("F2"))) + " prev " + string.Join(" ", r.Scores.PreviousToken[l].Select(x => x.ToString("F2"))));
    }
}
