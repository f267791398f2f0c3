using Relens.Models;

namespace Relens.Editing;

public enum EditMethod { LreRank1, FineTune }

/// <summary>The knobs of `relens edit`.</summary>
public sealed record EditOptions
{
    /// <summary>The layer to edit at; null = auto (each relation's causality-best layer).</summary>
    public LayerRef? Layer { get; init; }
    /// <summary>The pseudo-inverse's rank ρ; null = the best of the sweep's rank grid on the relation's known unedited facts.</summary>
    public int? Rank { get; init; }
    public int Shots { get; init; } = 8;
    /// <summary>Seed of the shots' split (a run's trial 0 with --seed S).</summary>
    public long Seed { get; init; }
    public double Beta { get; init; } = 2.25;
    public EditMethod Method { get; init; } = EditMethod.LreRank1;
    /// <summary>MEMIT's λ (mom2_update_weight): the weight of the preserved keys' covariance against a batch of edits.</summary>
    public double Lambda { get; init; } = 1.0;
    /// <summary>Tokens of text for C = E[k kᵀ].</summary>
    public long StatisticsTokens { get; init; } = 100_000;
    public long FluencyTokens { get; init; } = 20_000;
    public FineTuneOptions FineTune { get; init; } = new();

    public static string Name(EditMethod m) => m == EditMethod.LreRank1 ? "lre-rank1" : "finetune";

    public static EditMethod ParseMethod(string text) => text switch
    {
        "lre-rank1" => EditMethod.LreRank1,
        "finetune" => EditMethod.FineTune,
        _ => throw new RelensException($"--method: '{text}' is not a method; expected lre-rank1 or finetune"),
    };
}

/// <summary>The costly baseline: AdamW on all weights, on sentences stating the new facts.</summary>
public sealed record FineTuneOptions(double LearningRate = 5e-4, int MaxSteps = 200, int CheckEvery = 5);
