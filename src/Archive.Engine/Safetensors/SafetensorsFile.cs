using System.Buffers.Binary;
using Archive.Formats.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Archive.Engine.Safetensors;

/// <summary>
/// Reads and writes safetensors files (evidence-methods.md section 1). Reading validates the whole header against
/// the file length before any tensor byte is touched, then streams each tensor's bytes from the open file, so
/// validation never loads the file into memory.
/// </summary>
public static class SafetensorsFile
{
    private const int CopyBufferBytes = 1 << 20;

    public static SafetensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream);
    }

    /// <summary>Validates the header of a safetensors file held in a readable, seekable stream starting at position 0.</summary>
    public static SafetensorsHeader ReadHeader(Stream stream) => SafetensorsHeaderParser.Read(stream);

    /// <summary>Every tensor of the file, in the file's dtypes, on <paramref name="device"/> (CPU when null).</summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var stream = OpenRead(path);
        var header = ReadHeader(stream);
        return LoadTensors(stream, header, header.Tensors, device);
    }

    public static Tensor LoadTensor(string path, string name, Device? device = null)
    {
        using var stream = OpenRead(path);
        var header = ReadHeader(stream);
        var info = header.Find(name) ?? throw new KeyNotFoundException($"The safetensors file has no tensor '{name}'.");
        return ReadTensor(stream, header, info, device);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> sorted by name (ordinal), with the header padded with spaces to 8 bytes, so
    /// the same tensors always give the same bytes. Writes to a temporary file first so readers never see half a file.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        if (names.Contains("__metadata__"))
            throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor.", nameof(tensors));

        var infos = new List<SafetensorsTensorInfo>(names.Count);
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            var dtype = SafetensorsTorchTypes.FromScalarType(t.dtype);
            long bytes = checked(t.numel() * t.ElementSize);
            infos.Add(new SafetensorsTensorInfo(name, dtype, t.shape, offset, offset + bytes));
            offset += bytes;
        }
        var header = SafetensorsHeaderWriter.Write(infos, metadata);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferBytes))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var name in names)
                {
                    var t = tensors[name];
                    if (t.numel() == 0) continue;
                    using var cpu = t.detach().cpu().contiguous();
                    cpu.WriteBytesToStream(stream, (int)Math.Min(CopyBufferBytes, cpu.numel() * cpu.ElementSize));
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    internal static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);

    /// <summary>Loads the given entries of an already validated header from the same open stream.</summary>
    internal static Dictionary<string, Tensor> LoadTensors(Stream stream, SafetensorsHeader header, IEnumerable<SafetensorsTensorInfo> infos, Device? device)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in infos)
                result[info.Name] = ReadTensor(stream, header, info, device);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static Tensor ReadTensor(Stream stream, SafetensorsHeader header, SafetensorsTensorInfo info, Device? device)
    {
        if (!SafetensorsTorchTypes.TryGetScalarType(info.Dtype, out var type))
            throw new SafetensorsFormatException("dtype-unsupported", info.Name, $"dtype {info.Dtype} is valid safetensors but TorchSharp cannot hold it.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not.");

        var tensor = torch.empty(info.Shape, type, torch.CPU);
        try
        {
            if (info.ByteLength > 0)
            {
                stream.Seek(header.DataStart + info.Begin, SeekOrigin.Begin);
                tensor.ReadBytesFromStream(stream, (int)Math.Min(CopyBufferBytes, info.ByteLength));
            }
            if (device is null || device.type == DeviceType.CPU) return tensor;
            var moved = tensor.to(device);
            tensor.Dispose();
            return moved;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }
}
