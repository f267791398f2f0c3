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

    // Wall-clock seconds of the sweep's phases (`relens bench --sweep` sums them). Their names start with "seconds_"
    // so that no reader of the "faithfulness_*" / "causality_*" baseline records takes them for a baseline.
    /// <summary>Per trial (no layer): reading the test prompts' states (h at every swept layer, z, the LM's answers)
    /// and the known-fact filter.</summary>
    public const string TestStatesSeconds = "seconds_test_states";
    /// <summary>Per trial (no layer): reading the training prompts' states for the translation and regression baselines.</summary>
    public const string TrainStatesSeconds = "seconds_train_states";
    /// <summary>Per unit: its share of the layer group's LRE estimate (`LreEstimator.EstimateLayers`, Jacobians and
    /// means; the group's time divided evenly among its layers).</summary>
    public const string EstimateSeconds = "seconds_estimate";
    /// <summary>Per unit: faithfulness over the β grid (and the per-subject records at the fixed β).</summary>
    public const string FaithfulnessSeconds = "seconds_faithfulness";
    /// <summary>Per unit: causality over the rank grid and the best rank's per-edit records.</summary>
    public const string CausalitySeconds = "seconds_causality";
    /// <summary>Per unit: the baseline operators' faithfulness and the causality baselines.</summary>
    public const string BaselinesSeconds = "seconds_baselines";

    /// <summary>The records whose value is a time (they differ run to run; everything else is bit-identical on a rerun).</summary>
    public static readonly IReadOnlySet<string> Timings = new HashSet<string>(StringComparer.Ordinal)
    {
        JacobianSeconds, UnitDone, TestStatesSeconds, TrainStatesSeconds, EstimateSeconds, FaithfulnessSeconds, CausalitySeconds, BaselinesSeconds,
    };
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
