using System.Globalization;

namespace Relens.Reporting.Svg;

/// <summary>
/// The summary.json values a mark shows, as JSON Pointers (RFC 6901) into the file with the exact value
/// ("R" format), written as data-summary="/relations/0/faithfulness=0.75;…". The report's figures are
/// drawn from these, and tests resolve each pointer in summary.json to prove the figure shows the file.
/// </summary>
public sealed class SummaryValues
{
    public const string AttributeName = "data-summary";
    private readonly List<(string Pointer, double Value)> _items = [];

    public SummaryValues Add(string pointer, double value) { _items.Add((pointer, value)); return this; }

    public static SummaryValues Of(string pointer, double value) => new SummaryValues().Add(pointer, value);

    public IReadOnlyList<(string Pointer, double Value)> Items => _items;

    public string Attribute() =>
        $" {AttributeName}=\"{SvgFigure.E(string.Join(";", _items.Select(i => i.Pointer + "=" + i.Value.ToString("R", CultureInfo.InvariantCulture))))}\"";

    /// <summary>A JSON Pointer from path segments (each escaped: "~" → "~0", "/" → "~1").</summary>
    public static string Pointer(params object[] segments) =>
        string.Concat(segments.Select(s => "/" + Convert.ToString(s, CultureInfo.InvariantCulture)!.Replace("~", "~0").Replace("/", "~1")));
}
