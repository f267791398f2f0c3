using System.Globalization;
using Relens.Lens;
using Relens.Relations;
using Relens.Reporting.Charts;
using Relens.Reporting.Svg;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Relens.Cli.Output;

/// <summary>The attribute lens in the terminal: rows are layers (last at the top), columns prompt tokens, each cell
/// the top-1 decoded token on a background coloured by its probability (plain text adds the probability instead).</summary>
public static class LensTable
{
    public static void Write(Terminal terminal, LensResult lens, string? expected, int maxColumns)
    {
        int first = LensHeatMap.FirstColumn(lens, maxColumns);
        var table = new Table().Border(TableBorder.Simple).AddColumn("layer");
        for (int c = first; c < lens.Tokens.Length; c++) table.AddColumn(Markup.Escape(LensHeatMap.Show(lens.Tokens[c])));
        foreach (int r in LensHeatMap.Rows(lens, int.MaxValue))
        {
            var cells = new List<IRenderable> { new Text(lens.Layers[r]) };
            for (int c = first; c < lens.Tokens.Length; c++) cells.Add(Cell(lens.Cells[r][c], expected, terminal.Live));
            table.AddRow(cells);
        }
        if (first > 0) terminal.Line($"(showing the last {lens.Tokens.Length - first} of {lens.Tokens.Length} tokens)");
        terminal.Console.Write(table);
    }

    private static IRenderable Cell(LensCell cell, string? expected, bool colour)
    {
        string token = Markup.Escape(LensHeatMap.Show(cell.Tokens[0]));
        bool hit = expected is not null && PrefixMatch.IsNontrivialPrefix(cell.Tokens[0], expected);
        if (!colour)
            return new Text($"{(hit ? "*" : "")}{LensHeatMap.Show(cell.Tokens[0])} {cell.Probabilities[0].ToString(".00", CultureInfo.InvariantCulture)}");
        var rgb = Palette.ProbabilityRgb(cell.Probabilities[0]);
        string fg = Palette.IsLight(rgb) ? "black" : "white";
        return new Markup($"[{(hit ? "bold underline " : "")}{fg} on #{rgb.R:x2}{rgb.G:x2}{rgb.B:x2}]{token}[/]");
    }
}
