namespace Relens.Runs;

/// <summary>What the user asked `relens run` for (the CLI's options, unchecked).</summary>
public sealed record RunOptions
{
    /// <summary>A Hugging Face checkpoint folder; null = <see cref="DefaultModel"/>.</summary>
    public string? ModelDirectory { get; init; }
    /// <summary>The relations folder; null = $RELENS_DATA or ../shared/relations (RelationDataRoot).</summary>
    public string? RelationsDirectory { get; init; }
    /// <summary>Relation names or file stems to run; empty = all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];
    /// <summary>"all" or e.g. "emb,0,2,4" (see <see cref="LayerSpec"/>).</summary>
    public string? Layers { get; init; }
    public int Trials { get; init; } = 3;
    /// <summary>n; the paper's numbers use 8.</summary>
    public int Shots { get; init; } = 8;
    /// <summary>The fixed β of the reported faithfulness (the paper: 2.25 for GPT-J and GPT-2-XL).</summary>
    public double Beta { get; init; } = 2.25;
    public long Seed { get; init; }
    /// <summary>β grid of the faithfulness sweep, e.g. "0,1,2.25"; null = the paper's linspace(0, 5, 21).</summary>
    public string? Betas { get; init; }
    /// <summary>Rank grid of the causality sweep, e.g. "0,8,64,full"; null = <see cref="Sweeps.SweepSettings.RanksFor"/>.</summary>
    public string? Ranks { get; init; }
    /// <summary>--paper-hparams: null = automatic (on for the paper's models), "on", "off" or a model key
    /// ("gptj", "gpt2-xl", "llama"); see <see cref="PaperRunSettings"/>.</summary>
    public string? PaperHparams { get; init; }
    /// <summary>The sweep options the user gave ("--layers", "--beta", "--betas", "--ranks"): they turn the
    /// automatic --paper-hparams off, and conflict with an explicit one.</summary>
    public IReadOnlyList<string> SweepOptionsGiven { get; init; } = [];
    public string OutputDirectory { get; init; } = "relens-out";
    public bool Resume { get; init; }
}
