namespace Archive.Formats.Safetensors;

/// <summary>One tensor entry of a safetensors header. Offsets are relative to the start of the data buffer.</summary>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>A validated safetensors header: every rule of the format has already been checked.</summary>
public sealed class SafetensorsHeader
{
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    internal SafetensorsHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Entries in the order the header's JSON lists them.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> object (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset of the data buffer: 8 + the header length.</summary>
    public long DataStart { get; }

    /// <summary>Bytes the tensors occupy after the header: the whole file is <see cref="DataStart"/> + this.</summary>
    public long DataLength => Tensors.Count == 0 ? 0 : Tensors.Max(t => t.End);

    public SafetensorsTensorInfo? Find(string name) => _byName.GetValueOrDefault(name);
}
