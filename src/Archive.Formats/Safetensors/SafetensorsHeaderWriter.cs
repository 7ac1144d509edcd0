using System.Globalization;
using System.Text;

namespace Archive.Formats.Safetensors;

/// <summary>
/// Writes header JSON exactly as the Python safetensors library (serde_json, compact) does: metadata first, then
/// one entry per tensor, padded with spaces to a multiple of 8 bytes. Metadata keys are sorted so output is
/// deterministic (Python's HashMap order is not).
/// </summary>
internal static class SafetensorsHeaderWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Write(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var sb = new StringBuilder("{");
        var first = true;
        if (metadata is not null)
        {
            sb.Append("\"__metadata__\":{");
            var firstKey = true;
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!firstKey) sb.Append(',');
                AppendString(sb, key);
                sb.Append(':');
                AppendString(sb, value);
                firstKey = false;
            }
            sb.Append('}');
            first = false;
        }
        foreach (var t in tensors)
        {
            if (!first) sb.Append(',');
            AppendString(sb, t.Name);
            sb.Append(":{\"dtype\":");
            AppendString(sb, t.Dtype);
            sb.Append(",\"shape\":[");
            sb.AppendJoin(',', t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            sb.Append("],\"data_offsets\":[");
            sb.Append(t.Begin.ToString(CultureInfo.InvariantCulture)).Append(',').Append(t.End.ToString(CultureInfo.InvariantCulture));
            sb.Append("]}");
            first = false;
        }
        sb.Append('}');

        // Throws on lone surrogates instead of silently writing U+FFFD.
        var json = StrictUtf8.GetBytes(sb.ToString());
        int padded = (json.Length + 7) / 8 * 8;
        var result = new byte[padded];
        json.CopyTo(result, 0);
        result.AsSpan(json.Length).Fill((byte)' ');
        return result;
    }

    /// <summary>serde_json's escaping: quote, backslash and control characters only; everything else raw UTF-8.</summary>
    private static void AppendString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }
}
