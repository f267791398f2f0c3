using System.Diagnostics;
using System.Text.Json;
using Relens.Evaluation;
using Relens.Evaluation.Records;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Sweeps;

/// <summary>
/// Runs the paper's protocol on one relation (LRE-METHOD §8): per trial a seeded split, the known-fact
/// filter, and for every layer one LRE estimate, faithfulness over the β grid, causality over the rank
/// grid and the baselines. Every record is appended to the store as it is produced and each finished
/// (trial, layer) unit is marked, so an interrupted sweep resumes without redoing or duplicating work.
/// </summary>
public sealed class RelationSweep
{
    private readonly LanguageModel _lm;
    private readonly SweepSettings _settings;
    private readonly SweepRecordStore _store;
    private readonly Action<string> _log;

    public RelationSweep(LanguageModel lm, SweepSettings settings, SweepRecordStore store, Action<string>? log = null)
    {
        _lm = lm;
        _settings = settings;
        _store = store;
        _log = log ?? (_ => { });
    }

    public IReadOnlyList<LayerRef> Layers => _settings.Layers ?? LayerRef.All(_lm.Model.NumLayers).ToList();

    /// <summary>Units (trial × layer) still to compute for <paramref name="relation"/>, for progress bars.</summary>
    public int PendingUnits(Relation relation) =>
        Enumerable.Range(0, _settings.Trials).Where(t => TrialSelected?.Invoke(relation, t) != false)
            .Sum(t => TrialSkipped(relation, t) ? 0 : Layers.Count(l => !_store.Has(Key(relation, t, l, SweepMetrics.UnitDone))));

    /// <summary>Which trials this sweep computes (null: all); a shard of a run computes only its own (Runs/Shards).</summary>
    public Func<Relation, int, bool>? TrialSelected { get; init; }

    public void Run(Relation relation, Action? unitFinished = null)
    {
        foreach (var l in Layers) l.Validate(_lm.Model);
        for (int trial = 0; trial < _settings.Trials; trial++)
        {
            if (TrialSelected?.Invoke(relation, trial) == false) continue;
            if (TrialSkipped(relation, trial) || Layers.All(l => _store.Has(Key(relation, trial, l, SweepMetrics.UnitDone)))) continue;
            RunTrial(relation, trial, unitFinished);
        }
    }

    private bool TrialSkipped(Relation relation, int trial) => _store.Has(Key(relation, trial, null, SweepMetrics.TrialSkipped));

    private static SweepKey Key(Relation r, int trial, LayerRef? layer, string metric, double? beta = null, int? rank = null, string? subject = null) =>
        new(r.Name, trial, layer, metric, beta, rank, subject);

    /// <summary>Called after each record is stored (progress displays; tests interrupt a sweep from here).</summary>
    public Action<SweepRecord>? RecordStored { get; init; }

    private void Put(SweepKey key, double value, string? note = null)
    {
        var record = SweepRecord.For(key, value, note);
        if (_store.AppendIfAbsent(record)) RecordStored?.Invoke(record);
    }

    private void RunTrial(Relation relation, int trial, Action? unitFinished)
    {
        int n = _settings.Shots;
        if (relation.Samples.Count <= n)
            throw new RelensException($"relation '{relation.Name}' has {relation.Samples.Count} samples: not enough for {n} shots plus a test set");
        using var scope = torch.NewDisposeScope();
        string template = relation.PromptTemplates[0];
        var split = relation.Split(n, _settings.Seed + trial);
        var train = split.Train.Samples;
        var test = split.Test.Samples;
        string operatorTemplate = IclPrompt.Template(template, train, _lm.PromptPrefix);
        var testPrompts = test.Select(s => SubjectPrompt.Create(_lm, IclPrompt.FillQuery(operatorTemplate, s.Subject), s.Subject)).ToList();
        var layers = Layers;
        var phase = Stopwatch.StartNew();
        // a large test set takes minutes to read: say how far it is, about every tenth
        int step = Math.Max(ProgressEvery, testPrompts.Count / 10), shown = 0;
        using var states = PromptStates.Read(_lm, testPrompts, layers, progress: (done, total) =>
        {
            if (total < ProgressEvery || (done < total && done - shown < step)) return;
            shown = done;
            _log($"{relation.Name} trial {trial}: read {done}/{total} test prompts");
        });

        // known-fact filter: the LM's own top-1 under this trial's n-shot prompt is a prefix of the object
        var known = _settings.CountEveryTestFactAsKnown ? KnownTestFacts.All(_lm, states, test, testPrompts) : KnownTestFacts.Select(_lm, states, test, testPrompts);
        string trainNote = JsonSerializer.Serialize(train.Select(s => s.Subject));
        Put(Key(relation, trial, null, SweepMetrics.TestCount), test.Count, trainNote);
        Put(Key(relation, trial, null, SweepMetrics.KnownCount), known.Count, trainNote);
        // after n_test: a trial with only its settings and a timing is still "not run" (RunSummarizer)
        Put(Key(relation, trial, null, SweepMetrics.TestStatesSeconds), phase.Elapsed.TotalSeconds);
        if (known.Count < _settings.MinKnownFor())
        {
            _log($"{relation.Name} trial {trial}: {known.Count}/{test.Count} test facts known (< {_settings.MinKnownFor()}): trial skipped");
            Put(Key(relation, trial, null, SweepMetrics.TrialSkipped), known.Count, $"needs at least {_settings.MinKnownFor()} known test samples");
            foreach (var _ in layers) unitFinished?.Invoke();
            return;
        }
        var z = known.Rows(states.Z);
        var pairs = known.EditPairs(_settings.Seed * 7919 + trial);

        // the training prompts' own h and z (n−1 shots each), for the translation and regression baselines
        var trainPrompts = train.Select(s => SubjectPrompt.Create(_lm, IclPrompt.Build(template, s.Subject, train, _lm.PromptPrefix), s.Subject)).ToList();
        phase.Restart();
        using var trainStates = _settings.Baselines ? PromptStates.Read(_lm, trainPrompts, layers) : null;
        if (trainStates is not null) Put(Key(relation, trial, null, SweepMetrics.TrainStatesSeconds), phase.Elapsed.TotalSeconds);

        var pending = layers.Where(l => !_store.Has(Key(relation, trial, l, SweepMetrics.UnitDone))).ToList();
        // One Jacobian pass per training prompt serves a group of layers (the linearized Jacobian reads every
        // layer on its way down); groups keep the d×d matrices held at once within LayerGroupBytes.
        long perLayer = 4L * _lm.Model.HiddenSize * _lm.Model.HiddenSize;
        int groupSize = (int)Math.Clamp(LayerGroupBytes / perLayer, 1, Math.Max(1, pending.Count));
        foreach (var group in pending.Chunk(groupSize))
        {
            var clock = Stopwatch.StartNew();
            var lres = LreEstimator.EstimateLayers(_lm, relation.Name, template, train, group, _settings.Beta, _settings.Jacobian);
            double estimateShare = clock.Elapsed.TotalSeconds / group.Length;
            try
            {
                foreach (var lre in lres)
                {
                    clock.Restart();
                    var h = known.Rows(states.H(lre.Layer));
                    Put(Key(relation, trial, lre.Layer, SweepMetrics.EstimateSeconds), estimateShare);
                    RunUnit(relation, trial, lre, known, h, z, pairs, trainStates);
                    double seconds = estimateShare + clock.Elapsed.TotalSeconds;
                    Put(Key(relation, trial, lre.Layer, SweepMetrics.UnitDone), seconds);
                    _log($"{relation.Name} trial {trial} layer {lre.Layer}: {seconds:F1}s");
                    unitFinished?.Invoke();
                }
            }
            finally
            {
                foreach (var lre in lres) lre.Dispose();
            }
        }
    }

    /// <summary>Test sets from this size on report their reading progress.</summary>
    private const int ProgressEvery = 1000;

    /// <summary>Memory for the weight matrices of one group of layers estimated together (1 GiB: 16 layers at d = 4096).</summary>
    private const long LayerGroupBytes = 1L << 30;

    private void RunUnit(Relation relation, int trial, LinearRelation lre, KnownTestFacts facts, Tensor h, Tensor z,
        IReadOnlyList<(int Source, int Target)> pairs, PromptStates? trainStates)
    {
        var known = facts.Samples;
        var prompts = facts.Prompts;
        using var scope = torch.NewDisposeScope();
        var layer = lre.Layer;
        Put(Key(relation, trial, layer, SweepMetrics.JacobianSeconds), lre.Info.TimingSeconds["jacobian"]);
        Put(Key(relation, trial, layer, SweepMetrics.WeightNorm), lre.Weight.norm().item<float>());
        Put(Key(relation, trial, layer, SweepMetrics.BiasNorm), lre.Bias.norm().item<float>());
        if (known.Count > 0)
        {
            var jh = (torch.matmul(h, lre.Weight.t()) * _settings.Beta).norm(1).mean().item<float>();
            Put(Key(relation, trial, layer, SweepMetrics.JacobianShare), jh / Math.Max(1e-12, lre.Bias.norm().item<float>()));
        }

        // faithfulness over the β grid (and at the fixed β)
        var clock = Stopwatch.StartNew();
        foreach (var beta in _settings.Betas.Append(_settings.Beta).Distinct())
        {
            using var scaled = lre.WithBeta(beta);
            var f = EvaluateFaithfulness(scaled, h, known, facts.LmAnswers);
            Put(Key(relation, trial, layer, SweepMetrics.Recall(1), beta), f.Recall1);
            Put(Key(relation, trial, layer, SweepMetrics.Recall(2), beta), f.Recall2);
            Put(Key(relation, trial, layer, SweepMetrics.Recall(3), beta), f.Recall3);
            if (beta == _settings.Beta)
                foreach (var s in f.Samples)
                    Put(Key(relation, trial, layer, SweepMetrics.SampleFaithfulness, beta, subject: s.Subject), s.Hit1 ? 1 : 0,
                        JsonSerializer.Serialize(new { @object = s.Object, lm = s.LmTop1, lre = s.Predicted, p = s.Probabilities }));
        }

        Put(Key(relation, trial, layer, SweepMetrics.FaithfulnessSeconds), clock.Elapsed.TotalSeconds);

        // causality over the rank grid; the trial's best rank is chosen on the test set, as the paper does
        clock.Restart();
        if (pairs.Count > 0 && _settings.Causality)
        {
            using var causality = new Causality(lre);
            var results = causality.Evaluate(_lm, prompts, known, z, pairs, _settings.RanksFor((int)lre.Dim));
            foreach (var r in results) Put(Key(relation, trial, layer, SweepMetrics.Causality, rank: r.Rank), r.Efficacy);
            var best = KnownTestFacts.BestRank(results)!;
            Put(Key(relation, trial, layer, SweepMetrics.BestRank), best.Rank);
            foreach (var e in best.Edits)
                Put(Key(relation, trial, layer, SweepMetrics.SampleCausality, rank: best.Rank, subject: e.Subject), e.Success ? 1 : 0,
                    JsonSerializer.Serialize(new { @object = e.Object, target_subject = e.TargetSubject, target_object = e.TargetObject, result = e.Result }));
        }

        Put(Key(relation, trial, layer, SweepMetrics.CausalitySeconds), clock.Elapsed.TotalSeconds);

        if (trainStates is null) return;
        clock.Restart();
        var trainH = trainStates.H(layer);
        var operators = new List<IRelationOperator> { new IdentityOperator(), new TranslationOperator(trainH, trainStates.Z), new LinearRegressionOperator(trainH, trainStates.Z, seed: trial) };
        foreach (var op in operators)
        {
            Put(Key(relation, trial, layer, SweepMetrics.Baseline(op.Name)), EvaluateFaithfulness(op, h, known).Recall1);
            (op as IDisposable)?.Dispose();
        }
        if (pairs.Count > 0 && _settings.Causality)
            foreach (var r in Causality.Baselines(_lm, layer, prompts, known, h, z, pairs))
                Put(Key(relation, trial, layer, SweepMetrics.CausalityBaseline(r.Method)), r.Efficacy);
        Put(Key(relation, trial, layer, SweepMetrics.BaselinesSeconds), clock.Elapsed.TotalSeconds);
    }

    private FaithfulnessResult EvaluateFaithfulness(IRelationOperator op, Tensor h, IReadOnlyList<RelationSample> known, string[]? lmAnswers = null)
    {
        if (known.Count == 0) return new FaithfulnessResult(op.Name, 0, 0, 0, []);
        var (ids, probs) = Decoding.TopK(_lm.Model, op.Apply(h), 3);
        return Faithfulness.Score(_lm, op.Name, ids, probs, known, lmAnswers);
    }
}
