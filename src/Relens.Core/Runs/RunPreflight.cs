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

        var dataset = RelationDataset.Load(RelationDataRoot.Resolve(options.RelationsDirectory));
        var relations = Select(dataset, options.Only);

        var folder = new RunFolder(options.OutputDirectory);
        OutputFolderCheck.Check(folder.Directory, options.Resume);
        var previous = options.Resume && File.Exists(folder.RunInfoPath) ? folder.LoadInfo() : null;

        var settings = new SweepSettings { Shots = options.Shots, Trials = options.Trials, Seed = options.Seed, Beta = options.Beta, Layers = layers };
        if (options.Betas is not null) settings = settings with { Betas = ParseBetas(options.Betas) };
        return new RunPlan(folder, dataset, relations, settings, previous) { RanksText = options.Ranks };
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
        var dataset = plan.Dataset.WithRelations(r => taught.TryGetValue(r.Name, out var facts)
            ? r with { Samples = r.Samples.Where(s => facts.Contains((s.Subject, s.Object))).DistinctBy(s => s.Subject).ToList() }
            : r);
        var relations = plan.Relations.Select(r => dataset.Find(r.Name)).ToList();
        int after = relations.Sum(r => r.Samples.Count);
        return plan with
        {
            Dataset = dataset, Relations = relations,
            SampleNote = $"the facts the model was taught ({World.WorldFactsFile.FileName}): {after} of the relations' {before} samples",
        };
    }

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
        if (plan.Previous is { } p) CheckResumable(plan, p, lm);

        int n = plan.Settings.Shots;
        var small = plan.Relations.Where(r => r.Samples.Count <= n).ToList();
        if (small.Count > 0)
            throw new RelensException($"--shots {n} leaves no test samples in {string.Join(", ", small.Select(r => $"'{r.Name}' ({r.Samples.Count} samples)"))}: "
                + "use fewer --shots, or leave these out with --only");

        foreach (var relation in plan.Relations)
            foreach (var sample in relation.Samples)
            {
                try { SubjectPrompt.Create(lm, IclPrompt.Single(relation.PromptTemplate, sample.Subject, lm.PromptPrefix), sample.Subject); }
                catch (RelensException e)
                {
                    throw new RelensException($"relation '{relation.Name}' ({relation.SourceFile ?? "built in code"}): {e.Message}") { Path = relation.SourceFile };
                }
            }
        return plan;
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
        // the summary takes each trial's best rank and the β grid's best: a different grid would mix two protocols
        if (previous.Betas.Count > 0 && !previous.Betas.SequenceEqual(s.Betas)) differences.Add($"--betas ({string.Join(",", previous.Betas)}; now {string.Join(",", s.Betas)})");
        var ranks = s.RanksFor(lm.Model.HiddenSize);
        if (previous.Ranks.Count > 0 && !previous.Ranks.SequenceEqual(ranks)) differences.Add($"--ranks ({string.Join(",", previous.Ranks)}; now {string.Join(",", ranks)})");
        if (differences.Count > 0)
            throw RelensException.InFile(plan.Folder.RunInfoPath,
                $"cannot resume: this run used other settings: {string.Join(", ", differences)}. Resume with the same settings or choose another --out");
    }
}
