using System.Globalization;
using System.Text;

namespace Relens.World;

/// <summary>accuracy.json's figures as a plain-text table: one row per relation with its knowledge, the linear
/// probe's and the LRE's best layer, the LRE at `emb` and at its best layer ≥ 1, each beside its majority baseline.</summary>
public static class WorldAccuracyTable
{
    public static string Render(WorldReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(c, "{0,-30} {1,9} {2,17} {3,25} {4,8} {5,20} {6,8}", "relation", "knowledge", "probe (layer)", "LRE faithful (layer, β)",
            "LRE emb", "LRE best ≥ 1 (layer)", "majority"));
        foreach (var (name, known) in report.Knowledge.PerRelation)
        {
            var probe = report.Probes.FirstOrDefault(p => p.Relation == name);
            var lre = report.Lre.FirstOrDefault(r => r.Relation == name && r.Trials > 0);
            string probeText = probe is null || probe.Accuracy.Count == 0 ? "–"
                : probe.Accuracy.MaxBy(kv => kv.Value) is var p ? string.Format(c, "{0:F2} ({1})", p.Value, p.Key) : "–";
            string lreText = lre is null ? "–" : lre.Best() is var b ? string.Format(c, "{0:F2} ({1}, {2})", b.Value, b.Layer, b.Beta) : "–";
            string embText = lre?.At("emb") is { } emb ? emb.ToString("F2", c) : "–";
            string laterText = lre is null ? "–" : lre.BestFromLayer1() is var l && l.Layer.Length > 0 ? string.Format(c, "{0:F2} ({1})", l.Value, l.Layer) : "–";
            string majority = lre is not null ? lre.Majority.ToString("F2", c) : probe?.Majority.ToString("F2", c) ?? "–";
            sb.AppendLine(string.Format(c, "{0,-30} {1,9:F3} {2,17} {3,25} {4,8} {5,20} {6,8}", name, known, probeText, lreText, embText, laterText, majority));
        }
        sb.AppendLine(string.Format(c, "{0,-30} {1,9:F3}", "overall", report.Knowledge.Overall));
        var faithful = report.FaithfulRelations();
        sb.AppendLine(string.Format(c, "relations with LRE faithfulness ≥ 0.6 and ≥ majority + 0.2: {0}{1}", faithful.Count,
            faithful.Count > 0 ? " (" + string.Join(", ", faithful.Select(r => r.Relation)) + ")" : ""));
        var later = report.FaithfulRelations(fromLayer1: true);
        sb.Append(string.Format(c, "  of them at a layer ≥ 1: {0}{1}", later.Count,
            later.Count > 0 ? " (" + string.Join(", ", later.Select(r => r.Relation)) + ")" : ""));
        return sb.ToString();
    }
}
