using System.Text;
using Archive.Web.Graphs;

namespace Archive.Web.Tests.Graphs;

public class Utf8ContentCheckTests
{
    private static void Check(byte[] bytes, int chunk)
    {
        var check = new Utf8ContentCheck();
        for (var at = 0; at < bytes.Length; at += chunk) check.Append(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)));
        check.Complete(bytes.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1 << 20)]
    public void Valid_text_passes_however_its_multibyte_characters_are_split(int chunk)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"clerp\": \"Output “large” (p=0.420) ⏎ 𝔼 é\"}");
        Check(bytes, chunk); // no exception is the assertion: every split point of 2-, 3- and 4-byte sequences
        Assert.Contains(bytes, b => b >= 0xF0); // the 4-byte 𝔼 is in there
    }

    [Theory]
    [InlineData(new byte[] { 0x22, 0xC3, 0x22 }, 1)]        // lead byte, then a quote
    [InlineData(new byte[] { 0x22, 0xE2, 0x80 }, 2)]        // truncated at the end of the file
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 3)]        // a UTF-16 surrogate encoded as UTF-8
    [InlineData(new byte[] { 0xC0, 0xAF }, 1)]              // an overlong '/'
    [InlineData(new byte[] { 0xFF }, 4)]
    public void Invalid_bytes_are_refused_wherever_the_chunks_end(byte[] bytes, int chunk) =>
        Assert.Throws<InvalidDataException>(() => Check(bytes, chunk));
}
