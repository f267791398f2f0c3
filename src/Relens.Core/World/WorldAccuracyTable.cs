using System.Globalization;
using System.Text;

namespace Relens.World;

/// <summary>accuracy.json's figures as a plain-text table: one row per relation with its knowledge, the linear
/// probe's and the LRE's best layer, each beside its majority baseline.</summary>
public static class WorldAccuracyTable
{
    public static string Render(WorldReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(c, "{0,-30} {1,9} {2,17} {3,25} {4,8}", "relation", "knowledge", "probe (layer)", "LRE faithful (layer, β)", "majority"));
        foreach (var (name, known) in report.Knowledge.PerRelation)
        {
            var probe = report.Probes.FirstOrDefault(p => p.Relation == name);
            var lre = report.Lre.FirstOrDefault(r => r.Relation == name && r.Trials > 0);
            string probeText = probe is null || probe.Accuracy.Count == 0 ? "–"
                : probe.Accuracy.MaxBy(kv => kv.Value) is var p ? string.Format(c, "{0:F2} ({1})", p.Value, p.Key) : "–";
            string lreText = lre is null ? "–" : lre.Best() is var b ? string.Format(c, "{0:F2} ({1}, {2})", b.Value, b.Layer, b.Beta) : "–";
            string majority = lre is not null ? lre.Majority.ToString("F2", c) : probe?.Majority.ToString("F2", c) ?? "–";
            sb.AppendLine(string.Format(c, "{0,-30} {1,9:F3} {2,17} {3,25} {4,8}", name, known, probeText, lreText, majority));
        }
        sb.AppendLine(string.Format(c, "{0,-30} {1,9:F3}", "overall", report.Knowledge.Overall));
        var faithful = report.FaithfulRelations();
        sb.Append(string.Format(c, "relations with LRE faithfulness ≥ 0.6 and ≥ majority + 0.2: {0}{1}", faithful.Count,
            faithful.Count > 0 ? " (" + string.Join(", ", faithful.Select(r => r.Relation)) + ")" : ""));
        return sb.ToString();
    }
}
