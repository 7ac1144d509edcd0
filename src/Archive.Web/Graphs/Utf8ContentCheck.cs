using System.Buffers;
using System.Text.Unicode;
using Archive.Data.Blobs;

namespace Archive.Web.Graphs;

/// <summary>
/// Refuses a file that is not valid UTF-8 while it is being staged. JSON text must be UTF-8 (RFC 8259), but the JSON
/// reader only checks a string's bytes when something asks for its value, so a bad byte in a field the archive never
/// reads would otherwise be stored and handed to every tool that downloads the graph. A sequence split across two
/// chunks is carried over to the next.
/// </summary>
public sealed class Utf8ContentCheck : IBlobContentCheck
{
    private readonly byte[] carry = new byte[4];
    private int carried;
    private readonly char[] scratch = new char[16 * 1024];

    public void Append(ReadOnlySpan<byte> chunk)
    {
        // Complete the sequence the previous chunk ended in, one byte at a time (at most three are needed).
        while (carried > 0 && !chunk.IsEmpty)
        {
            carry[carried++] = chunk[0];
            chunk = chunk[1..];
            var status = Decode(carry.AsSpan(0, carried), out var read);
            if (status == OperationStatus.InvalidData) throw new InvalidDataException(Message);
            if (status == OperationStatus.Done && read == carried) carried = 0;
            else if (carried == 4) throw new InvalidDataException(Message);
        }
        while (!chunk.IsEmpty)
        {
            var status = Decode(chunk, out var read);
            chunk = chunk[read..];
            switch (status)
            {
                case OperationStatus.InvalidData:
                    throw new InvalidDataException(Message);
                case OperationStatus.NeedMoreData:
                    chunk.CopyTo(carry);
                    carried = chunk.Length;
                    return;
            }
        }
    }

    public void Complete(long length)
    {
        if (carried > 0) throw new InvalidDataException(Message);
    }

    private OperationStatus Decode(ReadOnlySpan<byte> bytes, out int read)
    {
        read = 0;
        while (true)
        {
            var status = Utf8.ToUtf16(bytes[read..], scratch, out var r, out _, replaceInvalidSequences: false, isFinalBlock: false);
            read += r;
            if (status != OperationStatus.DestinationTooSmall) return status;
        }
    }

    private const string Message = "The body is not valid UTF-8 (JSON text must be).";
}
