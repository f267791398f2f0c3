using Relens.Cli.Output;
using Relens.Models;
using Relens.Runs;
using Relens.Runs.Shards;

namespace Relens.Cli.Commands;

/// <summary>The part of `relens run` that computes one shard (--shard I/N, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX).</summary>
internal static class ShardedRun
{
    public static ShardRunResult Execute(Terminal terminal, LanguageModel lm, RunPlan plan, ShardSpec shard, string source, bool resume)
    {
        terminal.Line($"shard      {shard} (from {source}); records in {ShardFiles.RecordsPath(plan.Folder, shard)}");
        var result = terminal.Live
            ? SpectreRunProgress.Create(terminal.Console).Start(ctx => new ShardRun(lm, plan, shard, resume, new SpectreRunProgress(ctx, terminal.Console)).Execute())
            : new ShardRun(lm, plan, shard, resume, new PlainRunProgress(terminal)).Execute();
        terminal.Line("");
        terminal.Line($"shard {shard} of run {result.Fingerprint}: {result.Units} units (relation × trial), {result.DoneBefore} finished before; "
            + $"{result.LayerUnitsComputed} (trial × layer) units computed in {result.Seconds:0.#} s (total over sessions)");
        terminal.Line($"when every shard is done: relens merge {plan.Folder.Directory}");
        return result;
    }
}
