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
}
