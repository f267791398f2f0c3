using System.Globalization;
using System.Text;

namespace Relens.Evaluation.Records;

/// <summary>Sweep records as CSV (RFC 4180, invariant culture) for spreadsheets and plotting.</summary>
public static class SweepRecordCsv
{
    public const string Header = "relation,trial,layer,metric,beta,rank,subject,value,note";

    public static void Write(IEnumerable<SweepRecord> records, string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        Write(records, writer);
    }

    public static void Write(IEnumerable<SweepRecord> records, TextWriter writer)
    {
        writer.Write(Header + "\n");
        foreach (var r in records)
        {
            writer.Write(string.Join(',',
                Field(r.Relation),
                r.Trial.ToString(CultureInfo.InvariantCulture),
                r.Layer?.ToString() ?? "",
                Field(r.Metric),
                r.Beta?.ToString("R", CultureInfo.InvariantCulture) ?? "",
                r.Rank?.ToString(CultureInfo.InvariantCulture) ?? "",
                Field(r.Subject ?? ""),
                r.Value.ToString("R", CultureInfo.InvariantCulture),
                Field(r.Note ?? "")));
            writer.Write('\n');
        }
    }

    /// <summary>Quotes a field if it holds a comma, quote or line break, doubling inner quotes.</summary>
    internal static string Field(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
