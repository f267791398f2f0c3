using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Relens.Reporting.Svg;

namespace Relens.Tests.Runs;

/// <summary>Reads back the numbers the report's figures plot (their data-summary attributes) and resolves them in summary.json.</summary>
public static partial class ReportValues
{
    [GeneratedRegex(SummaryValues.AttributeName + "=\"([^\"]*)\"")]
    private static partial Regex SummaryAttribute();

    [GeneratedRegex("<(\\w+)([^>]*)>")]
    private static partial Regex Element();

    /// <summary>Every (pointer, value) plotted, in document order.</summary>
    public static List<(string Pointer, double Value)> Plotted(string html) =>
        SummaryAttribute().Matches(html)
            .SelectMany(m => WebUtility.HtmlDecode(m.Groups[1].Value).Split(';'))
            .Select(item =>
            {
                int eq = item.LastIndexOf('=');
                return (item[..eq], double.Parse(item[(eq + 1)..], CultureInfo.InvariantCulture));
            }).ToList();

    /// <summary>The attributes of every element with the given class.</summary>
    public static List<Dictionary<string, string>> WithClass(string html, string cssClass) =>
        Element().Matches(html)
            .Select(m => Attributes(m.Groups[2].Value))
            .Where(a => a.TryGetValue("class", out var c) && c.Split(' ').Contains(cssClass))
            .ToList();

    private static Dictionary<string, string> Attributes(string text) =>
        Regex.Matches(text, "([\\w:-]+)=\"([^\"]*)\"").ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));

    /// <summary>RFC 6901 JSON Pointer resolution.</summary>
    public static JsonNode? Resolve(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            string key = raw.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonArray a => a[int.Parse(key, CultureInfo.InvariantCulture)],
                JsonObject o => o[key],
                _ => null,
            };
            if (node is null) return null;
        }
        return node;
    }
}
