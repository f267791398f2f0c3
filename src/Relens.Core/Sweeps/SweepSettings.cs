using Relens.Models;
using Relens.Lre;

namespace Relens.Sweeps;

/// <summary>The paper's per-relation protocol (LRE-METHOD §8), with its knobs.</summary>
public sealed record SweepSettings
{
    /// <summary>Training samples (shots) per trial; the paper's numbers use n = 8.</summary>
    public int Shots { get; init; } = 8;
    public int Trials { get; init; } = 3;
    /// <summary>Seed of trial 0's split; trial t uses Seed + t.</summary>
    public long Seed { get; init; }
    /// <summary>Layers to sweep; null = emb and every block.</summary>
    public IReadOnlyList<LayerRef>? Layers { get; init; }
    /// <summary>β at which faithfulness is reported (the paper fixes it per model: 2.25 for GPT-J and GPT-2-XL).</summary>
    public double Beta { get; init; } = 2.25;
    /// <summary>β grid for the faithfulness sweep (paper: linspace(0, 5, 21)).</summary>
    public IReadOnlyList<double> Betas { get; init; } = Enumerable.Range(0, 21).Select(i => i * 0.25).ToArray();
    /// <summary>Rank grid for causality; null = 0..d in about 16 steps plus full rank (the paper: range(0, 320, 8)).</summary>
    public IReadOnlyList<int>? Ranks { get; init; }
    /// <summary>A trial needs more than this many LM-known test samples (the paper: more than n).</summary>
    public int? MinKnown { get; init; }
    public bool Baselines { get; init; } = true;
    /// <summary>Causality over the rank grid; false skips it (the world's accuracy check reports faithfulness only).</summary>
    public bool Causality { get; init; } = true;
    public JacobianOptions Jacobian { get; init; } = JacobianOptions.Default;
    /// <summary>Benchmarks only (`relens bench --sweep`; not on `relens run`): skip the known-fact filter and treat every
    /// test fact as known. A random model knows no fact, so its every trial would stop at the filter, and the
    /// protocol's cost does not depend on which facts are known, only on how many.</summary>
    public bool CountEveryTestFactAsKnown { get; init; }

    public IReadOnlyList<int> RanksFor(int d)
    {
        if (Ranks is { } r) return r;
        int step = Math.Max(1, d / 16);
        return Enumerable.Range(0, d / step + 1).Select(i => i * step).Append(d).Where(x => x <= d).Distinct().ToArray();
    }

    public int MinKnownFor() => MinKnown ?? Shots + 1;
}
