using Archive.Engine.Training;

namespace Archive.Specimens.Build;

/// <summary>A one-line progress bar per training run on the console (a plain line per report when output is redirected).</summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    private string? currentRun;

    public void Report(TrainingProgress value)
    {
        if (value.Run != currentRun)
        {
            if (currentRun is not null && !Console.IsOutputRedirected) Console.WriteLine();
            currentRun = value.Run;
            clock.Restart();
        }
        var fraction = value.TotalSteps == 0 ? 1 : (double)value.Step / value.TotalSteps;
        var eta = fraction > 0 ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        const int width = 30;
        var filled = (int)Math.Round(fraction * width);
        var line = $"{value.Run,-44} [{new string('#', filled)}{new string('.', width - filled)}] {value.Step,6}/{value.TotalSteps} loss {value.Loss,8:F4} eta {eta:mm\\:ss}";
        if (Console.IsOutputRedirected)
        {
            Console.WriteLine(line);
        }
        else
        {
            Console.Write("\r" + line);
            if (value.Step >= value.TotalSteps) { Console.WriteLine(); currentRun = null; }
        }
    }
}
