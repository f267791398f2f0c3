using System.Text;

namespace Relens.Runs.Shards;

/// <summary>What `relens slurm submit` asks of Slurm.</summary>
/// <param name="Relens">The command that starts relens on the compute nodes, as shell words (e.g. ["dotnet", "/opt/relens/relens.dll"]).</param>
/// <param name="RunArguments">The `relens run` options, with --out absolute and no --shard/--shards/--resume (the scripts add them).</param>
/// <param name="WorkingDirectory">The jobs start here, so relative paths in the run options mean what they meant at submission.</param>
public sealed record SlurmJobSpec(
    int Shards, IReadOnlyList<string> Relens, IReadOnlyList<string> RunArguments, string OutputDirectory, string WorkingDirectory,
    string? Partition = null, string? Time = null, int Cpus = 1);

/// <summary>
/// The two sbatch scripts of a sharded run: an array of N tasks, task I running `relens run ... --shard I/N --resume`
/// (a re-submitted or requeued task continues its shard), and the merge job, submitted with
/// --dependency=afterok on the array so it starts only when every task succeeded.
/// </summary>
public static class SlurmScripts
{
    public static string Folder(string outputDirectory) => Path.Combine(outputDirectory, "slurm");
    public static string ArrayScriptPath(string outputDirectory) => Path.Combine(Folder(outputDirectory), "shards.sbatch");
    public static string MergeScriptPath(string outputDirectory) => Path.Combine(Folder(outputDirectory), "merge.sbatch");
    public static string LogFolder(string outputDirectory) => Path.Combine(Folder(outputDirectory), "logs");

    public static string Array(SlurmJobSpec job)
    {
        var s = Header(job, "relens-shards", Path.Combine(LogFolder(job.OutputDirectory), "shard-%a.out"));
        s.Append($"#SBATCH --array=0-{job.Shards - 1}\n");
        s.Append($"#SBATCH --cpus-per-task={job.Cpus}\n");
        s.Append("\nset -euo pipefail\n");
        s.Append("# libtorch sizes its thread pool from OMP_NUM_THREADS: the cores Slurm gave this task\n");
        s.Append("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n");
        s.Append("echo \"relens shard ${SLURM_ARRAY_TASK_ID}/" + job.Shards + " on $(hostname), job ${SLURM_JOB_ID}\"\n");
        s.Append("exec ").Append(Words(job.Relens)).Append(" run ").Append(Words(job.RunArguments))
            .Append(" --shard \"${SLURM_ARRAY_TASK_ID}/").Append(job.Shards).Append("\" --resume --no-progress\n");
        return s.ToString();
    }

    public static string Merge(SlurmJobSpec job)
    {
        var s = Header(job, "relens-merge", Path.Combine(LogFolder(job.OutputDirectory), "merge.out"));
        s.Append($"#SBATCH --cpus-per-task={job.Cpus}\n");
        s.Append("\nset -euo pipefail\n");
        s.Append("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n");
        s.Append("exec ").Append(Words(job.Relens)).Append(" merge ").Append(Quote(job.OutputDirectory)).Append('\n');
        return s.ToString();
    }

    private static StringBuilder Header(SlurmJobSpec job, string name, string log)
    {
        var s = new StringBuilder("#!/bin/bash\n");
        s.Append("# written by `relens slurm submit` (docs/CLUSTER.md)\n");
        s.Append($"#SBATCH --job-name={name}\n");
        s.Append($"#SBATCH --output={log}\n");
        s.Append($"#SBATCH --chdir={job.WorkingDirectory}\n");
        s.Append("#SBATCH --export=ALL\n");
        if (job.Partition is { } p) s.Append($"#SBATCH --partition={p}\n");
        if (job.Time is { } t) s.Append($"#SBATCH --time={t}\n");
        return s;
    }

    private static string Words(IEnumerable<string> words) => string.Join(" ", words.Select(Quote));

    /// <summary>A word for bash: bare if it is plainly safe, else single-quoted.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=,:@+%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
