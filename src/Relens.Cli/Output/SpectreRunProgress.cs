using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;
using Spectre.Console;

namespace Relens.Cli.Output;

/// <summary>
/// Run progress in a live terminal: an overall bar over every pending (trial × layer) unit, a bar for the
/// relation being swept, and one printed line per finished relation.
/// </summary>
public sealed class SpectreRunProgress(ProgressContext context, IAnsiConsole console) : IRunProgress
{
    private ProgressTask? _overall, _current;
    private int _relations, _relationsDone, _unitsDone, _units;

    public static Progress Create(IAnsiConsole console) =>
        console.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());

    public void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits)
    {
        int total = pendingUnits.Sum();
        _relations = relations.Count;
        _units = total;
        _overall = context.AddTask(OverallDescription(), maxValue: Math.Max(1, total));
        if (total == 0) _overall.Value = _overall.MaxValue;
    }

    public void RelationStarted(Relation relation, int index, int pendingUnits)
    {
        _current = context.AddTask(Markup.Escape(relation.Name), maxValue: Math.Max(1, pendingUnits));
        if (pendingUnits == 0) _current.Value = _current.MaxValue;
    }

    public void UnitFinished(Relation relation)
    {
        _current?.Increment(1);
        _overall?.Increment(1);
        _unitsDone++;
        if (_overall is { } overall) overall.Description = OverallDescription();
    }

    public void TrialSkipped(Relation relation, int trial, int known, int test) =>
        console.MarkupLine($"[yellow]{Markup.Escape(relation.Name)}: trial {trial} skipped[/] ({known} of {test} test facts are LM-known, too few)");

    public void RelationFinished(Relation relation, RelationSummary summary, double seconds)
    {
        if (_current is { } task)
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
        _relationsDone++;
        if (_overall is { } overall) overall.Description = OverallDescription();
        string mark = summary.CausalityBestLayer is null ? "[grey]–[/]" : summary.Linear ? "[green]✓[/]" : "[red]✗[/]";
        console.MarkupLine($"{mark} {Markup.Escape(relation.Name)}: {Markup.Escape(RunText.Outcome(summary))} [grey]({seconds:0.0} s)[/]");
    }

    // the bar's columns add the units' percentage, elapsed time and the time left
    private string OverallDescription() =>
        $"[bold]{_relationsDone}/{_relations} relations[/], {_unitsDone}/{_units} units";

    public void Stage(string message) => console.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    public void Detail(string message) { }   // per-unit timings would scroll the bars away; the bars show the same
}
