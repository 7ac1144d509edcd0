namespace Archive.Formats.Models;

/// <summary>The model row's architecture decides how its file is read: the one rule, for the worker and the importer.</summary>
public static class ModelArchitectures
{
    /// <summary>A family of toy models of superposition (<see cref="ToyModelFileHeader"/>).</summary>
    public static bool IsToyModel(string architecture) => architecture == ToyModelFileHeader.Architecture;

    /// <summary>A convolutional network (<see cref="ConvNetFileHeader"/>).</summary>
    public static bool IsConvNet(string architecture) => architecture == ConvNetFileHeader.Architecture;

    /// <summary>Anything else is a transformer file with TransformerLens names (<see cref="TransformerFileHeader"/>).</summary>
    public static bool IsTransformer(string architecture) => !IsToyModel(architecture) && !IsConvNet(architecture);
}
