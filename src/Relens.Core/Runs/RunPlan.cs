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

    /// <summary>Relation files that could not be read (not JSON, missing fields): the run goes on without them
    /// and fails at the end, listing them.</summary>
    public IReadOnlyList<RelensException> BrokenFiles { get; init; } = [];

    /// <summary>Per relation name, the samples left out (already removed from <see cref="Relations"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SkippedSample>> SkippedSamples { get; init; } = new Dictionary<string, IReadOnlyList<SkippedSample>>();

    /// <summary>Per relation name, why it is not swept (too few usable samples for n shots plus a test set).</summary>
    public IReadOnlyDictionary<string, string> NotRunnable { get; init; } = new Dictionary<string, string>();

    /// <summary>The paper's per-relation settings in use (--paper-hparams), by relation name; empty when off.</summary>
    public IReadOnlyDictionary<string, PaperHparams> Hparams { get; init; } = new Dictionary<string, PaperHparams>();

    /// <summary>--paper-hparams as given (see <see cref="RunOptions.PaperHparams"/>).</summary>
    public string? PaperOption { get; init; }
    public IReadOnlyList<string> SweepOptionsGiven { get; init; } = [];

    /// <summary>The hparams folder in use ("gptj", "gpt2-xl", "llama"), or null.</summary>
    public string? PaperModel { get; init; }

    /// <summary>Per relation name, the sweep settings from its <see cref="Hparams"/> (set once the model's d is known).</summary>
    public IReadOnlyDictionary<string, SweepSettings> PaperSettings { get; init; } = new Dictionary<string, SweepSettings>();

    /// <summary>Notes for the log and the report (automatic --paper-hparams, relations without hparams).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The sweep settings of <paramref name="relation"/>: the paper's when it has hparams, else the run's.</summary>
    public SweepSettings SettingsFor(Relation relation) =>
        PaperSettings.TryGetValue(relation.Name, out var s) ? s : Settings;
}
