using System.Globalization;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>
/// Everything `relens run` can get wrong is checked here, before any long work: options, the relations
/// folder and --only names, the output folder (and, with --resume, that it holds a compatible run), then
/// against the loaded model the layers, each relation's sample count and that every subject can be located
/// in its prompt. A run that passes these fails later only for reasons no check could foresee.
/// </summary>
public static class RunPreflight
{
    /// <summary>The checks that need no model (cheap; run them before loading one).</summary>
    public static RunPlan Plan(RunOptions options)
    {
        if (options.Trials < 1) throw new RelensException($"--trials must be at least 1, got {options.Trials}");
        if (options.Shots < 1) throw new RelensException($"--shots must be at least 1, got {options.Shots}");
        if (!double.IsFinite(options.Beta) || options.Beta < 0) throw new RelensException($"--beta must be a finite number ≥ 0, got {options.Beta}");
        var layers = LayerSpec.Parse(options.Layers);

        var (dataset, broken) = RelationDataset.LoadEach(RelationDataRoot.Resolve(options.RelationsDirectory));
        // a broken file has no relation name: --only reaches it by its file stem
        var only = options.Only;
        if (only.Count > 0)
        {
            broken = broken.Where(b => only.Any(n => NameMatching.Normalize(n) == NameMatching.Normalize(Path.GetFileNameWithoutExtension(b.Path!)))).ToList();
            only = only.Where(n => !broken.Any(b => NameMatching.Normalize(n) == NameMatching.Normalize(Path.GetFileNameWithoutExtension(b.Path!)))).ToList();
            if (only.Count == 0) throw broken[0];
        }
        var relations = Select(dataset, only);

        var folder = new RunFolder(options.OutputDirectory);
        OutputFolderCheck.Check(folder.Directory, options.Resume);
        var previous = options.Resume && File.Exists(folder.RunInfoPath) ? folder.LoadInfo() : null;

        var settings = new SweepSettings { Shots = options.Shots, Trials = options.Trials, Seed = options.Seed, Beta = options.Beta, Layers = layers };
        if (options.Betas is not null) settings = settings with { Betas = ParseBetas(options.Betas) };
        return new RunPlan(folder, dataset, relations, settings, previous)
        {
            RanksText = options.Ranks, BrokenFiles = broken, PaperOption = options.PaperHparams, SweepOptionsGiven = options.SweepOptionsGiven,
        };
    }

    /// <summary>The relations named by --only (names or file stems), in dataset order; all if none are named.</summary>
    public static IReadOnlyList<Relation> Select(RelationDataset dataset, IReadOnlyList<string> only)
    {
        if (only.Count == 0) return dataset.Relations;
        var chosen = new HashSet<Relation>();
        var problems = new List<string>();
        foreach (var name in only)
        {
            try { chosen.Add(dataset.Find(name)); }
            catch (RelensException e) { problems.Add(e.Message); }
        }
        if (problems.Count > 0) throw new RelensException("--only: " + string.Join("; ", problems));
        return dataset.Relations.Where(chosen.Contains).ToList();
    }

    /// <summary>
    /// A world model (its folder has facts.json) is measured on the facts it was taught: each of its relations
    /// keeps only those samples. Relations it was not taught stay whole (it knows none of them).
    /// </summary>
    public static RunPlan TaughtFactsOnly(RunPlan plan, string? modelDirectory)
    {
        if (modelDirectory is null || World.WorldFactsFile.TryRead(modelDirectory) is not { } taught) return plan;
        int before = plan.Relations.Sum(r => r.Samples.Count);
        var dataset = plan.Dataset.WithRelations(r => TaughtFactsOnly(r, taught));
        var relations = plan.Relations.Select(r => dataset.Find(r.Name)).ToList();
        int after = relations.Sum(r => r.Samples.Count);
        return plan with
        {
            Dataset = dataset, Relations = relations,
            SampleNote = $"the facts the model was taught ({World.WorldFactsFile.FileName}): {after} of the relations' {before} samples",
        };
    }

    /// <summary>The relation narrowed to the facts a world model was taught (one sample per subject); unchanged if it
    /// was not taught this relation. `relens trace` narrows its relations the same way.</summary>
    public static Relation TaughtFactsOnly(Relation relation, IReadOnlyDictionary<string, IReadOnlySet<(string Subject, string Object)>> taught) =>
        taught.TryGetValue(relation.Name, out var facts)
            ? relation with { Samples = relation.Samples.Where(s => facts.Contains((s.Subject, s.Object))).DistinctBy(s => s.Subject).ToList() }
            : relation;
    /// <summary>Each relation narrowed to its taught facts (one sample per subject); relations not taught stay whole.</summary>
    public static RelationDataset TaughtFactsOnly(RelationDataset dataset, IReadOnlyDictionary<string, IReadOnlySet<(string Subject, string Object)>> taught) =>
        dataset.WithRelations(r => TaughtFactsOnly(r, taught));

    private static double[] ParseBetas(string text)
    {
        var items = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var betas = items.Select(b => double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0 ? v
            : throw new RelensException($"--betas: '{b}' is not a number ≥ 0; expected a list like 0,1,2.25")).Distinct().Order().ToArray();
        return betas.Length > 0 ? betas : throw new RelensException("--betas needs at least one value");
    }

    /// <summary>The checks that need the model; returns the plan with the rank grid resolved for the model's d.</summary>
    public static RunPlan CheckModel(RunPlan plan, LanguageModel lm)
    {
        plan = TaughtFactsOnly(plan, lm.Directory);
        LayerSpec.Check(plan.Settings.Layers, lm.Model.NumLayers);
        plan = plan with { Settings = plan.Settings with { Ranks = RankSpec.Parse(plan.RanksText, lm.Model.HiddenSize) } };

        plan = WithoutUnusableSamples(plan, lm);
        int n = plan.Settings.Shots;
        var small = plan.Relations.Where(r => r.Samples.Count <= n).ToList();
        if (small.Count == plan.Relations.Count)
            throw new RelensException($"--shots {n} leaves no test samples in {string.Join(", ", small.Select(r => $"'{r.Name}' ({r.Samples.Count} samples)"))}: "
                + "use fewer --shots, or leave these out with --only");
        plan = plan with
        {
            NotRunnable = small.ToDictionary(r => r.Name, r => $"{r.Samples.Count} usable samples: not enough for {n} shots plus a test set"),
        };
        plan = WithPaperHparams(plan, lm);
        if (plan.Previous is { } p) CheckResumable(plan, p, lm);
        return plan;
    }

    /// <summary>
    /// Every sample's prompt is built and its subject located once, as the sweep will; a sample that fails is
    /// left out with its reason (the paper's code would stop on it), and its relation goes on with the rest.
    /// </summary>
    public static RunPlan WithoutUnusableSamples(RunPlan plan, LanguageModel lm)
    {
        var skipped = new Dictionary<string, IReadOnlyList<SkippedSample>>();
        var relations = plan.Relations.Select(relation =>
        {
            var bad = new List<SkippedSample>();
            var usable = relation.Samples.Where(sample =>
            {
                string? reason = UnusableReason(lm, relation, sample);
                if (reason is not null) bad.Add(new SkippedSample(sample.Subject, sample.Object, reason));
                return reason is null;
            }).ToList();
            if (bad.Count == 0) return relation;
            skipped[relation.Name] = bad;
            return relation with { Samples = usable };
        }).ToList();
        if (skipped.Count == 0) return plan;
        var byName = relations.ToDictionary(r => r.Name);
        return plan with
        {
            Dataset = plan.Dataset.WithRelations(r => byName.GetValueOrDefault(r.Name) ?? r),
            Relations = relations, SkippedSamples = skipped,
        };
    }

    /// <summary>Why <paramref name="sample"/> cannot be used in <paramref name="relation"/>'s prompts, or null.</summary>
    public static string? UnusableReason(LanguageModel lm, Relation relation, RelationSample sample)
    {
        try
        {
            SubjectPrompt.Create(lm, IclPrompt.Single(relation.PromptTemplate, sample.Subject, lm.PromptPrefix), sample.Subject);
            return null;
        }
        catch (RelensException e) { return e.Message; }
        catch (ArgumentException e) { return e.Message; }
    }

    private static RunPlan WithPaperHparams(RunPlan plan, LanguageModel lm)
    {
        var notes = new List<string>();
        string? model = PaperRunSettings.Resolve(plan.PaperOption, lm, plan.SweepOptionsGiven, notes);
        if (model is null) return plan with { Notes = notes };
        var hparams = PaperRunSettings.Load(plan.Dataset.Root, model, plan.Relations, lm, notes);
        int d = lm.Model.HiddenSize;
        foreach (var h in hparams.Values.Where(h => h.Rank > d).Take(1))
            notes.Add($"the paper's ranks above d = {d} (e.g. {h.Rank} for '{h.RelationName}') are capped at d");
        return plan with
        {
            PaperModel = model, Hparams = hparams, Notes = notes,
            PaperSettings = hparams.ToDictionary(kv => kv.Key, kv => PaperRunSettings.For(plan.Settings, kv.Value, d)),
        };
    }

    /// <summary>A resumed run must mean the same numbers: same model, shots, seed and β (more trials, other
    /// layers or relations are fine: their records are simply added).</summary>
    private static void CheckResumable(RunPlan plan, RunInfo previous, LanguageModel lm)
    {
        var s = plan.Settings;
        var differences = new List<string>();
        if (previous.ModelIdentity != lm.Identity) differences.Add($"the model ({previous.ModelDirectory}, identity {previous.ModelIdentity}; now {lm.Directory}, {lm.Identity})");
        // quantised block weights leave the identity (final norm + unembedding) unchanged, so compare the scheme too
        if (previous.Quantization != lm.Quantization?.Describe())
            differences.Add($"--quantize ({previous.Quantization ?? "none"}; now {lm.Quantization?.Describe() ?? "none"})");
        if (previous.Shots != s.Shots) differences.Add($"--shots ({previous.Shots}; now {s.Shots})");
        if (previous.Seed != s.Seed) differences.Add($"--seed ({previous.Seed}; now {s.Seed})");
        if (previous.Beta != s.Beta) differences.Add($"--beta ({previous.Beta}; now {s.Beta})");
        if (previous.PaperHparams != plan.PaperModel) differences.Add($"--paper-hparams ({previous.PaperHparams ?? "off"}; now {plan.PaperModel ?? "off"})");
        // the summary takes each trial's best rank and the β grid's best: a different grid would mix two protocols
        if (previous.Betas.Count > 0 && !previous.Betas.SequenceEqual(s.Betas)) differences.Add($"--betas ({string.Join(",", previous.Betas)}; now {string.Join(",", s.Betas)})");
        var ranks = s.RanksFor(lm.Model.HiddenSize);
        if (previous.Ranks.Count > 0 && !previous.Ranks.SequenceEqual(ranks)) differences.Add($"--ranks ({string.Join(",", previous.Ranks)}; now {string.Join(",", ranks)})");
        if (differences.Count > 0)
            throw RelensException.InFile(plan.Folder.RunInfoPath,
                $"cannot resume: this run used other settings: {string.Join(", ", differences)}. Resume with the same settings or choose another --out");
    }
}
