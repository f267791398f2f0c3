using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>A checked `relens run`: the output folder, the relations and the sweep settings.</summary>
/// <param name="Previous">run.json of the run being resumed, if any.</param>
public sealed record RunPlan(RunFolder Folder, RelationDataset Dataset, IReadOnlyList<Relation> Relations, SweepSettings Settings, RunInfo? Previous)
{
    public bool Resuming => Previous is not null;

    /// <summary>--ranks as given; resolved into <see cref="SweepSettings.Ranks"/> once the model's d is known.</summary>
    public string? RanksText { get; init; }

    /// <summary>Set when the model folder lists the facts it was taught (a world model's facts.json) and the
    /// relations were narrowed to them: says so, with counts, for the log.</summary>
    public string? SampleNote { get; init; }
}
