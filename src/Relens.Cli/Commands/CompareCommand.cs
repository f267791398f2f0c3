using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
using Relens.Reporting;
using Relens.Runs;

namespace Relens.Cli.Commands;

/// <summary>`relens compare RUN_A RUN_B [--out DIR]`: two run folders of the same relations and protocol, per relation.</summary>
public sealed class CompareCommand(TextWriter? output) : CommandBase(output)
{
    public CompareCommand() : this(null) { }

    public override string Name => "compare";
    public override string Summary => "two runs of the same relations side by side: ΔF, ΔC, Δknown, cos W, best-layer change (table, CSV, HTML)";

    public RunComparison? LastResult { get; private set; }

    private readonly Argument<string[]> _runs = new("runs") { HelpName = "RUN_A RUN_B", Description = "two `relens run` output folders", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string?> _out = Opt.Text("--out", "DIR", "where compare.csv and compare.html go (default: RUN_B)");

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens compare RUN_A RUN_B [--out DIR]"],
            Details = "Two `relens run` folders of the same relations and protocol (typically one model at float32 and with --quantize S): per "
                + "relation ΔF and ΔC (B − A, at each run's causality-best layer), Δ(known facts), the cosine between the two saved LREs' W and "
                + "‖W_B − W_A‖/‖W_A‖, and whether the best layer moved. Runs of different relation sets or protocols are refused.",
        };
        command.Add(_runs);
        command.Add(_out);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult parse)
    {
        var runs = parse.GetValue(_runs) ?? [];
        if (runs.Length != 2) throw new RelensException("usage: relens compare RUN_A RUN_B [--out DIR] (two `relens run` output folders)");
        var folders = runs.Select(p => new RunFolder(p)).ToArray();
        foreach (var f in folders)
            if (!Directory.Exists(f.Directory)) throw RelensException.InFile(f.Directory, "run folder not found");
        string outDir = Path.GetFullPath(parse.GetValue(_out) ?? folders[1].Directory);
        OutputFolderCheck.Check(outDir, resume: true);   // writable; compare.* files in it are replaced

        var comparison = RunComparison.Compare(folders[0], folders[1]);
        LastResult = comparison;
        var w = Output ?? Console.Out;
        w.WriteLine($"A  {folders[0].Directory}: {RunComparison.Label(comparison.InfoA)}");
        w.WriteLine($"B  {folders[1].Directory}: {RunComparison.Label(comparison.InfoB)}");
        w.WriteLine();
        w.WriteLine($"{"relation",-34} {"F A",5} {"F B",5} {"ΔF",6} {"C A",5} {"C B",5} {"ΔC",6} {"Δknown",7} {"layer A→B",10} {"cos W",6} {"‖ΔW‖/‖W‖",9}");
        foreach (var r in comparison.Relations)
        {
            string name = r.Relation.Length > 34 ? r.Relation[..33] + "…" : r.Relation;
            if (r.DeltaFaithfulness is null) { w.WriteLine($"{name,-34} {r.Note}"); continue; }
            w.WriteLine($"{name,-34} {V(r.FaithfulnessA),5} {V(r.FaithfulnessB),5} {S(r.DeltaFaithfulness),6} {V(r.CausalityA),5} {V(r.CausalityB),5} {S(r.DeltaCausality),6} " +
                $"{S(r.DeltaKnown, "0.0"),7} {$"{r.LayerA}→{r.LayerB}",10} {V(r.Cosine, "0.000"),6} {V(r.RelativeChange, "0.000"),9}{(r.Note is { } n ? "  " + n : "")}");
        }
        var both = comparison.Relations.Where(r => r.DeltaFaithfulness is not null).ToList();
        if (both.Count > 0)
            w.WriteLine($"\nmean over {both.Count} relations with results in both: ΔF {S(both.Average(r => r.DeltaFaithfulness!.Value))}, ΔC {S(both.Average(r => r.DeltaCausality!.Value))}, " +
                $"best layer changed in {both.Count(r => r.LayerChanged)}");

        Directory.CreateDirectory(outDir);
        string csv = Path.Combine(outDir, "compare.csv"), html = Path.Combine(outDir, "compare.html");
        comparison.WriteCsv(csv);
        File.WriteAllText(html, ComparisonHtml.Render(comparison));
        w.WriteLine($"wrote {csv} and {html}");
        return 0;
    }

    private static string V(double? v, string format = "0.00") => v is { } d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture) : "–";
    private static string S(double? v, string format = "0.00") => v is { } d ? (d >= 0 ? "+" : "-") + Math.Abs(d).ToString(format, CultureInfo.InvariantCulture) : "–";
}
