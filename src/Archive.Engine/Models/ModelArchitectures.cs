using Archive.Engine.Superposition;
using Archive.Engine.Vision;

namespace Archive.Engine.Models;

/// <summary>The model row's architecture decides how its file is read: the one rule, for the worker and the importer.</summary>
public static class ModelArchitectures
{
    /// <summary>A family of toy models of superposition (<see cref="ToyModelFile"/>).</summary>
    public static bool IsToyModel(string architecture) => architecture == ToyModelFile.Architecture;

    /// <summary>A convolutional network (<see cref="ConvNetFile"/>).</summary>
    public static bool IsConvNet(string architecture) => architecture == ConvNetFile.Architecture;

    /// <summary>Anything else is a transformer file with TransformerLens names (<see cref="ModelFile"/>).</summary>
    public static bool IsTransformer(string architecture) => !IsToyModel(architecture) && !IsConvNet(architecture);
}
