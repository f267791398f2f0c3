using System.Globalization;
using Relens.Reporting;

namespace Relens.Cli.Output;

/// <summary>Short phrases about results, shared by the progress displays and tables.</summary>
public static class RunText
{
    public static string Outcome(RelationSummary s) => s.CausalityBestLayer is null
        ? $"no result ({s.Note ?? "not run"})"
        : $"F {N(s.Faithfulness)}, C {N(s.Causality)} at layer {s.CausalityBestLayer} ({s.ValidTrials} valid trials)";

    public static string N(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>"12/47 relations, 40/94 units, elapsed 1m05s, about 2m10s left": the time left extrapolates the
    /// units done so far (units differ in cost, so it is an estimate; none until a unit is done).</summary>
    public static string Progress(int relationsDone, int relations, int unitsDone, int units, TimeSpan elapsed)
    {
        string left = unitsDone == 0 || units == 0 ? "time left unknown yet"
            : $"about {Duration(TimeSpan.FromSeconds(elapsed.TotalSeconds / unitsDone * (units - unitsDone)))} left";
        return $"{relationsDone}/{relations} relations, {unitsDone}/{units} units, elapsed {Duration(elapsed)}, {left}";
    }

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0}s";
}
