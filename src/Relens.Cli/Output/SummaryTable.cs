using Relens.Reporting;
using Spectre.Console;
using static Relens.Cli.Output.RunText;

namespace Relens.Cli.Output;

/// <summary>The end of `relens run` / `relens report`: the paper's per-category table and which relations are linear.</summary>
public static class SummaryTable
{
    /// <param name="paperModel">The hparams folder the run used (--paper-hparams): adds the paper's published means for that model.</param>
    public static void Write(Terminal terminal, RunSummary summary, string? paperModel = null)
    {
        var console = terminal.Console;
        var with = summary.Relations.Where(r => r.CausalityBestLayer is not null).ToList();
        var table = new Table().Title("Per category")
            .AddColumn("category").AddColumn(new TableColumn("relations").RightAligned())
            .AddColumn(new TableColumn("F").RightAligned()).AddColumn(new TableColumn("C").RightAligned());
        string paperName = paperModel is null ? "" : PaperFigures.ModelName(paperModel);
        if (paperModel is not null) table.AddColumn(new TableColumn($"paper's F ({paperName})").RightAligned()).AddColumn(new TableColumn($"paper's C ({paperName})").RightAligned());
        var categories = summary.Categories.Select(c => c.Category)
            .Concat(paperModel is null ? [] : summary.Relations.Select(r => r.Category).Where(c => PaperFigures.For(paperModel, c) is not null))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var name in categories)
        {
            var c = summary.Categories.FirstOrDefault(x => x.Category == name);
            var row = new List<string> { Markup.Escape(name), (c?.Relations ?? 0).ToString(), c is null ? "–" : N(c.Faithfulness), c is null ? "–" : N(c.Causality) };
            if (paperModel is not null)
                row.AddRange(PaperFigures.For(paperModel, name) is { } m ? [N(m.Faithfulness), N(m.Causality)] : ["–", "–"]);
            table.AddRow(row.ToArray());
        }
        if (categories.Count == 0) table.AddRow(paperModel is null ? ["(none)", "0", "–", "–"] : ["(none)", "0", "–", "–", "–", "–"]);
        console.Write(table);
        terminal.Muted("F: mean faithfulness at each relation's faithfulness-best layer; C: mean causality at its causality-best layer (as in the paper's table)");
        if (paperModel is not null) terminal.Muted($"paper's F, C: the figures published for {paperName}, for reference; not a check of this run");

        if (with.Count > 0)
            console.WriteLine($"All {with.Count} relations with results, at the causality-best layer: mean F {N(summary.MeanFaithfulness)}, mean C {N(summary.MeanCausality)}"
                + (summary.PearsonR is { } r ? $", Pearson R(F, C) = {N(r)}" : ""));
        List("Linear (F ≥ 0.6)", with.Where(r => r.Linear), "green", terminal);
        List("Not linear (F < 0.6)", with.Where(r => !r.Linear), "red", terminal);
        var skipped = summary.Relations.Where(r => r.SkippedSamples.Count > 0).ToList();
        console.WriteLine(skipped.Count == 0 ? "Skipped samples: none"
            : $"Skipped samples ({skipped.Sum(r => r.SkippedSamples.Count)}), left out of their relations:");
        foreach (var r in skipped)
            foreach (var x in r.SkippedSamples) console.WriteLine($"  {r.Relation}: '{x.Subject}': {x.Reason}");
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
