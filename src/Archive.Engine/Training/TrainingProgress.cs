namespace Archive.Engine.Training;

/// <summary>One report from a training loop: the CLI draws a progress bar from it, tests ignore it.</summary>
public sealed record TrainingProgress(string Run, int Step, int TotalSteps, double Loss);
