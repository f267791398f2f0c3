using System.Globalization;
using System.Text;

namespace Relens.Reporting.Svg;

/// <summary>
/// Writes one SVG figure as text (inline in the HTML report, so it needs no file or library). Marks that
/// show a number from summary.json carry it as <see cref="SummaryValues"/> in a data attribute, so a test
/// (or a reader) can check every plotted value against the file.
/// </summary>
public sealed class SvgFigure
{
    private readonly StringBuilder _b = new();
    private int _open;

    public SvgFigure(double width, double height, string title, string? cssClass = null)
    {
        Width = width;
        Height = height;
        _b.Append($"<svg class=\"figure{(cssClass is null ? "" : " " + cssClass)}\" viewBox=\"0 0 {N(width)} {N(height)}\" width=\"{N(width)}\" height=\"{N(height)}\" role=\"img\" font-family=\"sans-serif\">");
        _b.Append($"<title>{E(title)}</title>");
    }

    public double Width { get; }
    public double Height { get; }

    public SvgFigure Rect(double x, double y, double w, double h, string fill, string? tooltip = null, SummaryValues? data = null,
        string? stroke = null, double strokeWidth = 1, string? cssClass = null, string? extra = null)
    {
        _b.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, w))}\" height=\"{N(Math.Max(0, h))}\" fill=\"{fill}\"");
        if (stroke is not null) _b.Append($" stroke=\"{stroke}\" stroke-width=\"{N(strokeWidth)}\"");
        return Close(cssClass, data, tooltip, extra, "rect");
    }

    public SvgFigure Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null,
        string? tooltip = null, SummaryValues? data = null, string? cssClass = null)
    {
        _b.Append($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"");
        if (dash is not null) _b.Append($" stroke-dasharray=\"{dash}\"");
        return Close(cssClass, data, tooltip, null, "line");
    }

    public SvgFigure Circle(double cx, double cy, double r, string fill, string? tooltip = null, SummaryValues? data = null,
        string? stroke = null, string? cssClass = null)
    {
        _b.Append($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{fill}\"");
        if (stroke is not null) _b.Append($" stroke=\"{stroke}\"");
        return Close(cssClass, data, tooltip, null, "circle");
    }

    public SvgFigure Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.5, string? dash = null, string? tooltip = null)
    {
        _b.Append($"<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\" points=\"{string.Join(" ", points.Select(p => N(p.X) + "," + N(p.Y)))}\"");
        if (dash is not null) _b.Append($" stroke-dasharray=\"{dash}\"");
        return Close(null, null, tooltip, null, "polyline");
    }

    /// <summary>Text; <paramref name="rotate"/> turns it about its anchor (−90 for a y-axis label).</summary>
    public SvgFigure Text(double x, double y, string text, string anchor = "start", double size = 12, string? weight = null,
        string fill = "#222", double? rotate = null, SummaryValues? data = null, string? cssClass = null, string? tooltip = null)
    {
        _b.Append($"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"");
        if (weight is not null) _b.Append($" font-weight=\"{weight}\"");
        if (rotate is { } r) _b.Append($" transform=\"rotate({N(r)} {N(x)} {N(y)})\"");
        if (cssClass is not null) _b.Append($" class=\"{cssClass}\"");
        if (data is not null) _b.Append(data.Attribute());
        _b.Append(" xml:space=\"preserve\">").Append(E(text));
        if (tooltip is not null) _b.Append($"<title>{E(tooltip)}</title>");
        _b.Append("</text>");
        return this;
    }

    public SvgFigure Group(string? cssClass = null, string? extra = null)
    {
        _b.Append("<g");
        if (cssClass is not null) _b.Append($" class=\"{cssClass}\"");
        if (extra is not null) _b.Append(' ').Append(extra);
        _b.Append('>');
        _open++;
        return this;
    }

    public SvgFigure EndGroup()
    {
        if (_open == 0) throw new InvalidOperationException("no open group");
        _b.Append("</g>");
        _open--;
        return this;
    }

    public override string ToString()
    {
        if (_open != 0) throw new InvalidOperationException($"{_open} group(s) left open");
        return _b + "</svg>";
    }

    private SvgFigure Close(string? cssClass, SummaryValues? data, string? tooltip, string? extra, string element)
    {
        if (cssClass is not null) _b.Append($" class=\"{cssClass}\"");
        if (data is not null) _b.Append(data.Attribute());
        if (extra is not null) _b.Append(' ').Append(extra);
        if (tooltip is null) _b.Append("/>");
        else _b.Append($"><title>{E(tooltip)}</title></{element}>");
        return this;
    }

    /// <summary>An inline figure as a standalone .svg file (which, unlike inline SVG in HTML, needs the namespace).</summary>
    public static string Standalone(string svg) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + "<svg xmlns=\"http://www.w3.org/2000/svg\" " + svg["<svg ".Length..];

    /// <summary>A coordinate: two decimals are far below a pixel.</summary>
    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Text escaped for HTML and XML alike; other characters stay as they are (the report is UTF-8).</summary>
    public static string E(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
}
