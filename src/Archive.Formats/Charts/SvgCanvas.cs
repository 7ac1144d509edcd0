using System.Text;
using System.Xml;

namespace Archive.Formats.Charts;

/// <summary>What every chart states about itself: its kind (a CSS class), size, title and a one-sentence description.</summary>
internal sealed record ChartFrame(string Kind, double Width, double Height, string Title, string Description);

/// <summary>
/// Writes one chart's SVG. All text goes through <see cref="XmlWriter"/>, which escapes it, after <see cref="Clean"/>
/// drops what XML cannot hold, so a hostile label can neither break out of its element nor make the writer throw.
/// The root carries <c>role="img"</c> and an <c>aria-label</c> of title and description, for screen readers.
/// </summary>
internal sealed class SvgCanvas
{
    private const string SvgNamespace = "http://www.w3.org/2000/svg";

    /// <summary>The band above an <see cref="ChartMedium.Image"/> chart where its title is written.</summary>
    private const double TitleBand = 26;

    private readonly XmlWriter _writer;
    private readonly ChartMedium _medium;

    private SvgCanvas(XmlWriter writer, ChartMedium medium) => (_writer, _medium) = (writer, medium);

    public static string Draw(ChartFrame frame, ChartMedium medium, Action<SvgCanvas> body)
    {
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment }))
        {
            var canvas = new SvgCanvas(writer, medium);
            var image = medium == ChartMedium.Image;
            // An image has no caption beside it, so the title is drawn, and the chart widened if the title needs it.
            var width = image ? Math.Max(frame.Width, 16 + frame.Title.Length * 8) : frame.Width;
            var height = frame.Height + (image ? TitleBand : 0);

            writer.WriteStartElement("svg", SvgNamespace);
            writer.WriteAttributeString("class", "chart " + frame.Kind);
            writer.WriteAttributeString("viewBox", $"0 0 {ChartNumbers.Coordinate(width)} {ChartNumbers.Coordinate(height)}");
            writer.WriteAttributeString("width", ChartNumbers.Coordinate(width));
            writer.WriteAttributeString("height", ChartNumbers.Coordinate(height));
            writer.WriteAttributeString("role", "img");
            writer.WriteAttributeString("aria-label", Clean($"{frame.Title}: {frame.Description}"));
            writer.WriteAttributeString("font-size", "11");
            writer.WriteElementString("title", Clean(frame.Title));
            writer.WriteElementString("desc", Clean(frame.Description));
            if (image)
            {
                writer.WriteElementString("style", ChartStylesheet.Standalone);
                canvas.Rect(0, 0, width, height, fill: "#fff");
                canvas.Text(8, 18, frame.Title, "chart-title");
                writer.WriteStartElement("g");
                writer.WriteAttributeString("transform", $"translate(0,{ChartNumbers.Coordinate(TitleBand)})");
            }
            body(canvas);
            if (image) writer.WriteEndElement();
            writer.WriteEndElement();
        }
        return text.ToString();
    }

    public void Text(double x, double y, string text, string cssClass, string anchor = "start")
    {
        _writer.WriteStartElement("text");
        _writer.WriteAttributeString("class", cssClass);
        _writer.WriteAttributeString("x", ChartNumbers.Coordinate(x));
        _writer.WriteAttributeString("y", ChartNumbers.Coordinate(y));
        _writer.WriteAttributeString("text-anchor", anchor);
        _writer.WriteString(Clean(text));
        _writer.WriteEndElement();
    }

    /// <summary>Text turned to read upwards, centred on (x, y): the name of a vertical axis.</summary>
    public void VerticalText(double x, double y, string text, string cssClass)
    {
        _writer.WriteStartElement("text");
        _writer.WriteAttributeString("class", cssClass);
        _writer.WriteAttributeString("transform", $"translate({ChartNumbers.Coordinate(x)},{ChartNumbers.Coordinate(y)}) rotate(-90)");
        _writer.WriteAttributeString("text-anchor", "middle");
        _writer.WriteString(Clean(text));
        _writer.WriteEndElement();
    }

    public void Line(double x1, double y1, double x2, double y2, string cssClass)
    {
        _writer.WriteStartElement("line");
        _writer.WriteAttributeString("class", cssClass);
        _writer.WriteAttributeString("x1", ChartNumbers.Coordinate(x1));
        _writer.WriteAttributeString("y1", ChartNumbers.Coordinate(y1));
        _writer.WriteAttributeString("x2", ChartNumbers.Coordinate(x2));
        _writer.WriteAttributeString("y2", ChartNumbers.Coordinate(y2));
        _writer.WriteEndElement();
    }

    /// <summary>A rectangle; a data mark passes its tooltip and exact value (written on pages only).</summary>
    public void Rect(double x, double y, double width, double height, string? cssClass = null, string? fill = null, string? tooltip = null, double? value = null)
    {
        _writer.WriteStartElement("rect");
        if (cssClass is not null) _writer.WriteAttributeString("class", cssClass);
        _writer.WriteAttributeString("x", ChartNumbers.Coordinate(x));
        _writer.WriteAttributeString("y", ChartNumbers.Coordinate(y));
        _writer.WriteAttributeString("width", ChartNumbers.Coordinate(width));
        _writer.WriteAttributeString("height", ChartNumbers.Coordinate(height));
        if (fill is not null) _writer.WriteAttributeString("fill", fill);
        Annotate(tooltip, value);
        _writer.WriteEndElement();
    }

    public void Circle(double cx, double cy, double r, string cssClass, string tooltip, double value)
    {
        _writer.WriteStartElement("circle");
        _writer.WriteAttributeString("class", cssClass);
        _writer.WriteAttributeString("cx", ChartNumbers.Coordinate(cx));
        _writer.WriteAttributeString("cy", ChartNumbers.Coordinate(cy));
        _writer.WriteAttributeString("r", ChartNumbers.Coordinate(r));
        Annotate(tooltip, value);
        _writer.WriteEndElement();
    }

    /// <summary>Connected runs of points; a run of one point or none draws nothing, so a gap stays a gap. A closed shape
    /// (a polar chart's rings and loops) passes <paramref name="fill"/> <c>none</c>, which no stylesheet need then supply.</summary>
    public void Polyline(IEnumerable<IReadOnlyList<(double X, double Y)>> runs, string cssClass, string? fill = null)
    {
        var d = new StringBuilder();
        foreach (var run in runs.Where(r => r.Count > 1))
        {
            for (var i = 0; i < run.Count; i++)
            {
                d.Append(d.Length == 0 ? "" : " ").Append(i == 0 ? 'M' : 'L')
                    .Append(ChartNumbers.Coordinate(run[i].X)).Append(',').Append(ChartNumbers.Coordinate(run[i].Y));
            }
        }
        if (d.Length == 0) return;
        _writer.WriteStartElement("path");
        _writer.WriteAttributeString("class", cssClass);
        if (fill is not null) _writer.WriteAttributeString("fill", fill);
        _writer.WriteAttributeString("d", d.ToString());
        _writer.WriteEndElement();
    }

    /// <summary>A <c>&lt;g&gt;</c> around <paramref name="body"/>; decoration a screen reader should skip is hidden from it.</summary>
    public void Group(string cssClass, Action body, bool decorative = false)
    {
        _writer.WriteStartElement("g");
        _writer.WriteAttributeString("class", cssClass);
        if (decorative) _writer.WriteAttributeString("aria-hidden", "true");
        body();
        _writer.WriteEndElement();
    }

    /// <summary>Drops characters XML cannot hold (C0 controls other than tab, newline and return; lone surrogates).</summary>
    public static string Clean(string? s)
    {
        if (string.IsNullOrEmpty(s)) return "";
        var clean = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                clean.Append(c).Append(s[++i]);
            }
            else if (!char.IsSurrogate(c) && XmlConvert.IsXmlChar(c))
            {
                clean.Append(c);
            }
        }
        return clean.ToString();
    }

    /// <summary>An image shows no tooltips and nothing reads its attributes, so there the marks stay bare.</summary>
    private void Annotate(string? tooltip, double? value)
    {
        if (_medium != ChartMedium.Page) return;
        if (value is { } v) _writer.WriteAttributeString("data-value", ChartNumbers.Exact(v));
        if (tooltip is not null) _writer.WriteElementString("title", Clean(tooltip));
    }
}
