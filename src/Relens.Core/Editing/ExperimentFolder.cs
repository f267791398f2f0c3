using System.Diagnostics;
using System.Text.Json.Nodes;
using Relens.Reporting;

namespace Relens.Editing;

/// <summary>What one experiment runs: the pool's first <see cref="Singles"/> edits one at a time, its first
/// <see cref="Batches"/> edits at once, for every arm, with the edit options they share.</summary>
public sealed record ExperimentSettings(int Singles, IReadOnlyList<int> Batches, IReadOnlyList<ExperimentArm> Arms, EditOptions Options)
{
    /// <summary>Issue 14's table: 20 single edits and batches of 1, 10, 50 and 100.</summary>
    public const int DefaultSingles = 20;
    public static readonly IReadOnlyList<int> DefaultBatches = [1, 10, 50, 100];

    /// <summary>The edits the pool must hold for every set to run.</summary>
    public int PoolSize => Math.Max(Singles, Batches.DefaultIfEmpty(0).Max());
}

/// <summary>An experiment folder's rows and pool, as read back from its experiment.json.</summary>
public sealed record ExperimentResults(string Model, int PoolSize, IReadOnlyList<ExperimentRow> Rows);

/// <summary>
/// An experiment folder, written by `relens edit --experiment --out DIR` and by `relens run --edits` (the run's
/// editing/): experiment.json (pool, rows, sets, seconds), editing.md (the table), editing.html (table and plot) and
/// sets/NAME.json (each set's edits.json), all rewritten after every set, so a stopped experiment keeps what it measured.
/// </summary>
public static class ExperimentFolder
{
    public const string JsonName = "experiment.json";

    /// <summary>Runs the experiment on <paramref name="session"/>'s model with the pool <paramref name="edits"/> (null:
    /// drawn by <see cref="EditSampler"/>) and writes the folder; returns the table's rows.</summary>
    /// <param name="loadSeconds">Time already spent loading the model, recorded with the others.</param>
    public static IReadOnlyList<ExperimentRow> Run(EditSession session, IReadOnlyList<EditRequest>? edits, ExperimentSettings settings, string outDir,
        Action<string> log, double loadSeconds = 0)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        var seconds = new Dictionary<string, double> { ["load"] = loadSeconds };
        var pool = edits ?? EditSampler.Draw(session, settings.PoolSize, settings.Options);
        seconds["draw"] = clock.Elapsed.TotalSeconds;
        log($"experiment on {session.Lm.Directory}: {pool.Count} edits in the pool, {settings.Singles} singles, batches {string.Join("/", settings.Batches)}, "
            + $"arms {string.Join(", ", settings.Arms.Select(x => x.Name))}");
        if (pool.Count < settings.PoolSize)
            log($"note: the pool holds {pool.Count} edits, fewer than the {settings.PoolSize} the largest set needs; the sets beyond it are listed as not run");
        string model = ModelName(session.Lm.Directory);
        void Write(IReadOnlyList<ExperimentSet> sets)
        {
            var rows = ExperimentTable.Rows(sets);
            seconds["total"] = loadSeconds + clock.Elapsed.TotalSeconds;
            File.WriteAllText(Path.Combine(outDir, JsonName), ExperimentTable.Json(session.Lm.Directory, pool, sets, rows, seconds).ToJsonString(EditsJson.Indented));
            File.WriteAllText(Path.Combine(outDir, "editing.md"), ExperimentTable.Markdown(rows));
            File.WriteAllText(Path.Combine(outDir, "editing.html"), EditingSection.Page(rows, model));
        }
        var sets = EditExperiment.Run(session, pool, settings.Singles, settings.Batches, settings.Arms, settings.Options, outDir, log, Write);
        Write(sets);
        return ExperimentTable.Rows(sets);
    }

    /// <summary>The rows of the experiment folder <paramref name="dir"/>; null when it holds no experiment.json.</summary>
    public static ExperimentResults? TryLoad(string dir)
    {
        string path = Path.Combine(dir, JsonName);
        if (!File.Exists(path)) return null;
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new System.Text.Json.JsonException("not an object"); }
        catch (System.Text.Json.JsonException e) { throw RelensException.InFile(path, $"not valid JSON ({e.Message})"); }
        return new ExperimentResults(ModelName(json["source_model"]?.GetValue<string>() ?? ""), json["pool"]?.AsArray().Count ?? 0,
            ExperimentTable.RowsFromJson(json, path));
    }

    /// <summary>The model's folder name, as the table and plot title it.</summary>
    public static string ModelName(string modelDir) => Path.GetFileName(Path.TrimEndingDirectorySeparator(modelDir));
}
