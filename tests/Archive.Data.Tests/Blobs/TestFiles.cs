namespace Archive.Data.Tests.Blobs;

internal static class TestFiles
{
    /// <summary>Deterministic pseudo-random bytes: different seeds give different files.</summary>
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static Stream Throwing(byte[] prefix, Exception after) => new ThrowingStream(prefix, after);

    /// <summary>A body that sends some bytes and then fails, as a client that goes away mid-upload.</summary>
    private sealed class ThrowingStream(byte[] prefix, Exception after) : Stream
    {
        private int position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position >= prefix.Length) throw after;
            var n = Math.Min(count, prefix.Length - position);
            Array.Copy(prefix, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
