namespace Relens.Sweeps;

/// <summary>Metric names of the sweep's records (the "metric" column of results.jsonl / results.csv).</summary>
public static class SweepMetrics
{
    public const string TestCount = "n_test";
    public const string KnownCount = "n_known";
    public const string TrialSkipped = "trial_skipped";
    public static string Recall(int k) => $"recall@{k}";
    public const string Causality = "causality";
    public const string WeightNorm = "weight_norm";
    public const string BiasNorm = "bias_norm";
    /// <summary>Mean ‖β·W·h‖ / ‖b‖ over known test subjects: how much the subject actually moves the prediction.</summary>
    public const string JacobianShare = "jh_over_b";
    public const string JacobianSeconds = "jacobian_seconds";
    public static string Baseline(string op) => $"faithfulness_{op}";
    public static string CausalityBaseline(string method) => $"causality_{method}";
    /// <summary>Per test subject at the fixed β: value = hit@1; note = JSON with the LM's and the LRE's answers.</summary>
    public const string SampleFaithfulness = "sample_faithfulness";
    /// <summary>Per edit at the trial's best rank: value = success; note = JSON with target and result.</summary>
    public const string SampleCausality = "sample_causality";
    public const string BestRank = "best_rank";
    /// <summary>Marks a finished (relation, trial, layer) unit so a resumed sweep skips it.</summary>
    public const string UnitDone = "unit_done";
    /// <summary>A sample left out of the run (cannot be prompted or located): subject = its subject, note = why.</summary>
    public const string SampleSkipped = "sample_skipped";
    /// <summary>A relation the run could not sweep (e.g. too few usable samples): note = why.</summary>
    public const string RelationSkipped = "relation_skipped";
    /// <summary>The settings a relation was swept with: beta = its fixed β; note = JSON with layers, β grid,
    /// ranks and, under --paper-hparams, the paper's h_layer / h_layer_edit / beta / rank and their file.</summary>
    public const string RelationSettings = "relation_settings";
}
