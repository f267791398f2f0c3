using System.Collections;

namespace Relens.Runs.Shards;

/// <summary>
/// Which shard of a run this process computes: shard <see cref="Index"/> (from 0) of <see cref="Count"/>.
/// Given as `--shard I/N`, or read from a scheduler's environment: a Slurm job array
/// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN, so an array 1-N works too) or a
/// Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the shard count from `--shards N`).
/// </summary>
public readonly record struct ShardSpec(int Index, int Count)
{
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>The selected shard, and where it came from (for the log); null for an unsharded run.</summary>
    public static (ShardSpec Shard, string Source)? Resolve(string? shardOption, string? shardsOption, IDictionary environment)
    {
        int? shards = shardsOption is null ? null
            : int.TryParse(shardsOption, out int n) && n >= 1 ? n
            : throw new RelensException($"--shards expects a shard count ≥ 1, got '{shardsOption}'");
        if (shardOption is not null)
        {
            var spec = Parse(shardOption, "--shard");
            if (shards is { } s && s != spec.Count) throw new RelensException($"--shard {shardOption} and --shards {s} disagree on the shard count");
            return (spec, "--shard");
        }
        string? Env(string name) => environment[name] as string is { Length: > 0 } v ? v.Trim() : null;
        if (Env("SLURM_ARRAY_TASK_ID") is { } id)
        {
            int count = shards ?? (Env("SLURM_ARRAY_TASK_COUNT") is { } c ? Int(c, "SLURM_ARRAY_TASK_COUNT")
                : throw new RelensException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --shard I/N"));
            int min = Env("SLURM_ARRAY_TASK_MIN") is { } m ? Int(m, "SLURM_ARRAY_TASK_MIN") : 0;
            return (Checked(Int(id, "SLURM_ARRAY_TASK_ID") - min, count, $"SLURM_ARRAY_TASK_ID={id} (array from {min})"), "SLURM_ARRAY_TASK_ID");
        }
        if (Env("JOB_COMPLETION_INDEX") is { } index)
        {
            int count = shards ?? throw new RelensException("JOB_COMPLETION_INDEX is set: pass --shards N (the Job's completions) so the shard count is known");
            return (Checked(Int(index, "JOB_COMPLETION_INDEX"), count, $"JOB_COMPLETION_INDEX={index}"), "JOB_COMPLETION_INDEX");
        }
        if (shards is not null) throw new RelensException("--shards N needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID; elsewhere pass --shard I/N");
        return null;
    }

    /// <summary>"I/N" with 0 ≤ I &lt; N.</summary>
    public static ShardSpec Parse(string text, string option)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0].Trim(), out int i) || !int.TryParse(parts[1].Trim(), out int n))
            throw new RelensException($"{option}: '{text}' is not a shard; expected I/N, e.g. 0/3 (shards count from 0)");
        return Checked(i, n, $"{option} {text}");
    }

    private static ShardSpec Checked(int index, int count, string what)
    {
        if (count < 1) throw new RelensException($"{what}: the shard count must be at least 1, got {count}");
        if (index < 0 || index >= count) throw new RelensException($"{what}: shard {index} is not one of 0..{count - 1}");
        return new ShardSpec(index, count);
    }

    private static int Int(string value, string name) =>
        int.TryParse(value, out int v) ? v : throw new RelensException($"{name}='{value}' is not an integer");
}
