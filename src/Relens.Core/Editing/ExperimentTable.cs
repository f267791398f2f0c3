using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Relens.Editing;

/// <summary>One row of the experiment's table: an arm's singles (means over the sets that ran) or one batch.</summary>
public sealed record ExperimentRow(string Arm, string Label, int Edits, int Sets, double Efficacy, double? Paraphrase, double? Specificity,
    double? Retention, double? PerplexityBefore, double? PerplexityAfter, double ReferenceEfficacy, double Seconds, string? Error);

/// <summary>The experiment's summary: rows per arm, written as experiment.json and a Markdown table (editing.md).</summary>
public static class ExperimentTable
{
    public static IReadOnlyList<ExperimentRow> Rows(IReadOnlyList<ExperimentSet> sets)
    {
        var rows = new List<ExperimentRow>();
        foreach (var arm in sets.GroupBy(s => s.Arm))
        {
            var singles = arm.Where(s => s.Single).ToList();
            if (singles.Count > 0) rows.Add(Row(arm.Key, $"{singles.Count} singles (mean)", 1, singles));
            foreach (var b in arm.Where(s => !s.Single)) rows.Add(Row(arm.Key, $"batch of {b.Size}", b.Size, [b]));
        }
        return rows;
    }

    private static ExperimentRow Row(string arm, string label, int edits, List<ExperimentSet> sets)
    {
        var runs = sets.Where(s => s.Run is not null).Select(s => s.Run!).ToList();
        string? error = runs.Count == sets.Count ? null : $"{sets.Count - runs.Count} of {sets.Count} not run: " + sets.First(s => s.Error is not null).Error;
        if (runs.Count == 0) return new ExperimentRow(arm, label, edits, 0, double.NaN, null, null, null, null, null, double.NaN, double.NaN, error);
        static double? Mean(IEnumerable<double?> xs) { var v = xs.Where(x => x is not null).Select(x => x!.Value).ToList(); return v.Count == 0 ? null : v.Average(); }
        return new ExperimentRow(arm, label, edits, runs.Count,
            runs.Average(r => r.Metrics.Efficacy), Mean(runs.Select(r => r.Metrics.Paraphrase)), Mean(runs.Select(r => r.Metrics.Specificity)),
            Mean(runs.Select(r => r.Metrics.Retention)), Mean(runs.Select(r => r.Metrics.PerplexityBefore)), Mean(runs.Select(r => r.Metrics.PerplexityAfter)),
            runs.Average(r => r.Reference.Count(x => x.Success) / (double)r.Reference.Count), runs.Average(r => r.Seconds["edit_total"]), error);
    }

    /// <summary>The rows of an experiment.json (to draw several experiments' arms in one figure).</summary>
    public static IReadOnlyList<ExperimentRow> RowsFromJson(JsonObject json, string where)
    {
        static double? D(JsonNode? n) => n is null ? null : n.GetValue<double>();
        try
        {
            return json["rows"]!.AsArray().Select(r => new ExperimentRow(r!["arm"]!.GetValue<string>(), r["label"]!.GetValue<string>(), r["edits"]!.GetValue<int>(),
                r["sets_run"]!.GetValue<int>(), D(r["efficacy"]) ?? double.NaN, D(r["paraphrase"]), D(r["specificity"]), D(r["retention"]),
                D(r["perplexity_before"]), D(r["perplexity_after"]), D(r["representation_edit_efficacy"]) ?? double.NaN, D(r["edit_seconds"]) ?? double.NaN,
                r["error"]?.GetValue<string>())).ToList();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw RelensException.InFile(where, $"is not an experiment.json of `relens edit --experiment` ({e.Message})");
        }
    }

    private static string F(double? x, string format = "0.00") => x is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Markdown(IReadOnlyList<ExperimentRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| arm | edits | efficacy | paraphrase | specificity | retention | perplexity before → after | representation edit efficacy | edit seconds |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            sb.AppendLine($"| {r.Arm} | {r.Label} | {F(r.Efficacy)} | {F(r.Paraphrase)} | {F(r.Specificity)} | {F(r.Retention)} | {F(r.PerplexityBefore, "0.000")} → {F(r.PerplexityAfter, "0.000")} | {F(r.ReferenceEfficacy)} | {F(r.Seconds, "0.0")} |"
                + (r.Error is null ? "" : $" {r.Error.Replace('|', '/')}"));
        return sb.ToString();
    }

    public static JsonObject Json(string model, IReadOnlyList<EditRequest> pool, IReadOnlyList<ExperimentSet> sets, IReadOnlyList<ExperimentRow> rows,
        IReadOnlyDictionary<string, double> seconds)
    {
        static JsonNode? N(double? x) => x is { } v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;
        return new JsonObject
        {
            ["source_model"] = model,
            ["pool"] = new JsonArray(pool.Select(e => (JsonNode)new JsonObject { ["subject"] = e.Subject, ["relation"] = e.Relation, ["new_object"] = e.NewObject }).ToArray()),
            ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["arm"] = r.Arm, ["label"] = r.Label, ["edits"] = r.Edits, ["sets_run"] = r.Sets, ["efficacy"] = N(r.Efficacy), ["paraphrase"] = N(r.Paraphrase),
                ["specificity"] = N(r.Specificity), ["retention"] = N(r.Retention), ["perplexity_before"] = N(r.PerplexityBefore),
                ["perplexity_after"] = N(r.PerplexityAfter), ["representation_edit_efficacy"] = N(r.ReferenceEfficacy), ["edit_seconds"] = N(r.Seconds), ["error"] = r.Error,
            }).ToArray()),
            ["sets"] = new JsonArray(sets.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name, ["arm"] = s.Arm, ["edits"] = s.Size, ["file"] = s.Run is null ? null : $"sets/{s.Name}.json", ["error"] = s.Error,
                ["seconds"] = s.Run is null ? null : new JsonObject(s.Run.Seconds.Select(kv => KeyValuePair.Create(kv.Key, N(kv.Value)))),
            }).ToArray()),
            ["seconds"] = new JsonObject(seconds.Select(kv => KeyValuePair.Create(kv.Key, N(kv.Value)))),
        };
    }
}
