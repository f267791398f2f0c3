using Relens.Reporting;
using Spectre.Console;
using static Relens.Cli.Output.RunText;

namespace Relens.Cli.Output;

/// <summary>The end of `relens run` / `relens report`: the paper's per-category table and which relations are linear.</summary>
public static class SummaryTable
{
    public static void Write(Terminal terminal, RunSummary summary)
    {
        var console = terminal.Console;
        var with = summary.Relations.Where(r => r.CausalityBestLayer is not null).ToList();
        var table = new Table().Title("Per category")
            .AddColumn("category").AddColumn(new TableColumn("relations").RightAligned())
            .AddColumn(new TableColumn("F").RightAligned()).AddColumn(new TableColumn("C").RightAligned());
        foreach (var c in summary.Categories) table.AddRow(Markup.Escape(c.Category), c.Relations.ToString(), N(c.Faithfulness), N(c.Causality));
        if (summary.Categories.Count == 0) table.AddRow("(none)", "0", "–", "–");
        console.Write(table);
        terminal.Muted("F: mean faithfulness at each relation's faithfulness-best layer; C: mean causality at its causality-best layer (as in the paper's table)");

        if (with.Count > 0)
            console.WriteLine($"All {with.Count} relations with results, at the causality-best layer: mean F {N(summary.MeanFaithfulness)}, mean C {N(summary.MeanCausality)}"
                + (summary.PearsonR is { } r ? $", Pearson R(F, C) = {N(r)}" : ""));
        List("Linear (F ≥ 0.6)", with.Where(r => r.Linear), "green", terminal);
        List("Not linear (F < 0.6)", with.Where(r => !r.Linear), "red", terminal);
        var none = summary.Relations.Where(r => r.CausalityBestLayer is null).ToList();
        if (none.Count > 0)
        {
            console.WriteLine($"No result ({none.Count}):");
            foreach (var r in none) console.WriteLine($"  {r.Relation}: {r.Note ?? "not run"}");
        }
    }

    private static void List(string title, IEnumerable<RelationSummary> relations, string colour, Terminal terminal)
    {
        var list = relations.ToList();
        string items = list.Count == 0 ? "none" : string.Join(", ", list.Select(r => $"{r.Relation} ({N(r.Faithfulness)})"));
        if (terminal.Live) terminal.Console.MarkupLine($"[{colour}]{Markup.Escape(title)} — {list.Count}:[/] {Markup.Escape(items)}");
        else terminal.Line($"{title} — {list.Count}: {items}");
    }
}
