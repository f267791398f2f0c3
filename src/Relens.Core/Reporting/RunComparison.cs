using System.Globalization;
using Relens.Evaluation.Records;
using Relens.Lre;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Reporting;

/// <summary>One relation in two runs: B − A of the per-relation figures, and how far its saved LRE moved.</summary>
/// <param name="Cosine">cos(W_A, W_B) of the two saved LREs' weights (each at its run's causality-best layer), flattened.</param>
/// <param name="RelativeChange">‖W_B − W_A‖ / ‖W_A‖ (Frobenius).</param>
public sealed record RelationComparison(string Relation, string Category,
    double? FaithfulnessA, double? FaithfulnessB, double? CausalityA, double? CausalityB, double? KnownA, double? KnownB,
    string? LayerA, string? LayerB, double? Cosine, double? RelativeChange, string? Note)
{
    public double? DeltaFaithfulness => FaithfulnessB - FaithfulnessA;
    public double? DeltaCausality => CausalityB - CausalityA;
    public double? DeltaKnown => KnownB - KnownA;
    public bool LayerChanged => LayerA is not null && LayerB is not null && LayerA != LayerB;
}

/// <summary>
/// `relens compare`: two run folders of the same relations under the same protocol (e.g. float32 and a quantised
/// model) side by side, from their summary.json and saved LREs (lres/). Runs of different relation sets, protocols or
/// model shapes are refused: their differences would not mean anything.
/// </summary>
public sealed record RunComparison(RunFolder A, RunFolder B, RunInfo InfoA, RunInfo InfoB, IReadOnlyList<RelationComparison> Relations)
{
    public static RunComparison Compare(RunFolder a, RunFolder b)
    {
        var infoA = a.LoadInfo();
        var infoB = b.LoadInfo();
        CheckComparable(a, b, infoA, infoB);
        var summaryA = a.LoadSummary().Relations.ToDictionary(r => r.Relation);
        var summaryB = b.LoadSummary().Relations.ToDictionary(r => r.Relation);
        var rows = new List<RelationComparison>();
        foreach (var name in infoA.Relations)
        {
            summaryA.TryGetValue(name, out var ra);
            summaryB.TryGetValue(name, out var rb);
            bool hasA = ra?.CausalityBestLayer is not null, hasB = rb?.CausalityBestLayer is not null;
            string? note = (hasA, hasB) switch
            {
                (false, false) => "no result in either run",
                (false, true) => $"no result in A ({ra?.Note ?? "not summarised"})",
                (true, false) => $"no result in B ({rb?.Note ?? "not summarised"})",
                _ => null,
            };
            double? cosine = null, change = null;
            if (hasA && hasB)
            {
                if (a.HasLre(name) && b.HasLre(name)) (cosine, change) = WeightChange(a, b, name);
                else note = "no saved LRE in " + (a.HasLre(name) ? "B" : "A") + " (lres/)";
            }
            rows.Add(new RelationComparison(name, ra?.Category ?? rb?.Category ?? "",
                hasA ? ra!.Faithfulness : null, hasB ? rb!.Faithfulness : null, hasA ? ra!.Causality : null, hasB ? rb!.Causality : null,
                ra?.MeanKnown, rb?.MeanKnown, ra?.CausalityBestLayer, rb?.CausalityBestLayer, cosine, change, note));
        }
        return new RunComparison(a, b, infoA, infoB, rows);
    }

    private static (double Cosine, double RelativeChange) WeightChange(RunFolder a, RunFolder b, string relation)
    {
        using var scope = torch.NewDisposeScope();
        using var la = a.LoadLre(relation, null);
        using var lb = b.LoadLre(relation, null);
        var wa = la.Weight.to(ScalarType.Float64).flatten();
        var wb = lb.Weight.to(ScalarType.Float64).flatten();
        double na = wa.norm().item<double>(), nb = wb.norm().item<double>();
        double cosine = na == 0 || nb == 0 ? double.NaN : wa.dot(wb).item<double>() / (na * nb);
        double change = na == 0 ? double.NaN : (wb - wa).norm().item<double>() / na;
        return (cosine, change);
    }

    /// <summary>Same relations, same protocol, same model shape; otherwise a <see cref="RelensException"/> saying what differs.</summary>
    private static void CheckComparable(RunFolder a, RunFolder b, RunInfo x, RunInfo y)
    {
        var onlyA = x.Relations.Except(y.Relations).ToList();
        var onlyB = y.Relations.Except(x.Relations).ToList();
        string Dirs = $"{a.Directory} (A) and {b.Directory} (B)";
        if (onlyA.Count > 0 || onlyB.Count > 0)
            throw new RelensException($"cannot compare {Dirs}: they ran different relation sets" +
                (onlyA.Count > 0 ? $"; only in A: {string.Join(", ", onlyA.Select(r => $"'{r}'"))}" : "") +
                (onlyB.Count > 0 ? $"; only in B: {string.Join(", ", onlyB.Select(r => $"'{r}'"))}" : "") +
                ". Compare runs of the same --only (and the same model's relation set)") { Path = b.RunInfoPath };
        var differences = new List<string>();
        void Differs<T>(string what, T va, T vb) { if (!EqualityComparer<T>.Default.Equals(va, vb)) differences.Add($"{what} ({va} vs {vb})"); }
        string List<T>(IEnumerable<T> v) => string.Join(",", v.Select(e => Convert.ToString(e, CultureInfo.InvariantCulture)));
        Differs("--shots", x.Shots, y.Shots);
        Differs("--trials", x.Trials, y.Trials);
        Differs("--seed", x.Seed, y.Seed);
        Differs("--beta", x.Beta, y.Beta);
        Differs("--layers", List(x.Layers), List(y.Layers));
        Differs("--betas", List(x.Betas), List(y.Betas));
        Differs("--ranks", List(x.Ranks), List(y.Ranks));
        Differs("number of layers", x.NumLayers, y.NumLayers);
        Differs("hidden size", x.HiddenSize, y.HiddenSize);
        if (differences.Count > 0)
            throw new RelensException($"cannot compare {Dirs}: they ran different protocols: {string.Join(", ", differences)}. " +
                "Run both with the same options (only --quantize or --model should differ)") { Path = b.RunInfoPath };
    }

    public static string Label(RunInfo info) =>
        $"{Path.GetFileName(info.ModelDirectory.TrimEnd('/', '\\'))}{(info.Quantization is { } q ? $" {q}" : " as stored")}";

    public const string CsvHeader = "relation,category,faithfulness_a,faithfulness_b,delta_faithfulness,causality_a,causality_b,delta_causality," +
        "known_a,known_b,delta_known,best_layer_a,best_layer_b,best_layer_changed,w_cosine,w_relative_change,note";

    public void WriteCsv(string path)
    {
        using var w = new StreamWriter(path);
        w.WriteLine(CsvHeader);
        foreach (var r in Relations)
            w.WriteLine(string.Join(",", SweepRecordCsv.Field(r.Relation), SweepRecordCsv.Field(r.Category),
                F(r.FaithfulnessA), F(r.FaithfulnessB), F(r.DeltaFaithfulness), F(r.CausalityA), F(r.CausalityB), F(r.DeltaCausality),
                F(r.KnownA), F(r.KnownB), F(r.DeltaKnown), r.LayerA ?? "", r.LayerB ?? "", r.LayerChanged ? "true" : "false",
                F(r.Cosine), F(r.RelativeChange), SweepRecordCsv.Field(r.Note ?? "")));
    }

    private static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("0.####", CultureInfo.InvariantCulture) : "";
}
