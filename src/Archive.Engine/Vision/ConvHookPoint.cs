namespace Archive.Engine.Vision;

/// <summary>
/// Where a hook reads or replaces a CNN's activation: the output of a named layer (<c>conv2</c>, [batch, c, h, w] or
/// [batch, features]), or the output of the ReLU that directly follows it (<c>conv2.relu</c>). Hook points are the layer
/// names, as section 9 of the evidence methods has them.
/// </summary>
public readonly record struct ConvHookPoint(string Layer, bool AfterRelu)
{
    public const string ReluSuffix = ".relu";

    public static ConvHookPoint Output(string layer) => new(layer, false);

    public static ConvHookPoint Relu(string layer) => new(layer, true);

    public static ConvHookPoint Parse(string text) =>
        text.EndsWith(ReluSuffix, StringComparison.Ordinal) ? Relu(text[..^ReluSuffix.Length]) : Output(text);

    public override string ToString() => AfterRelu ? Layer + ReluSuffix : Layer;
}
