using Relens.Models;

namespace Relens.Editing;

/// <summary>One way of editing in the experiment: a method at a layer (the finetune arm's layer only sets where the
/// planner's Δh — the representation-edit reference row — is taken).</summary>
public sealed record ExperimentArm(EditMethod Method, LayerRef Layer)
{
    public string Name => Method == EditMethod.LreRank1 ? $"lre-rank1@{Layer}" : "finetune";

    /// <summary>One lre-rank1 arm per layer, and one arm for each other method (at the first layer).</summary>
    public static IReadOnlyList<ExperimentArm> For(IReadOnlyList<EditMethod> methods, IReadOnlyList<LayerRef> layers) =>
        methods.Distinct().SelectMany(m => m == EditMethod.LreRank1 ? layers.Distinct().Select(l => new ExperimentArm(m, l)) : [new ExperimentArm(m, layers[0])]).ToList();
}

/// <summary>One edit set of the experiment: <see cref="Size"/> edits at once (a single, or a batch of the pool's first
/// <see cref="Size"/>), its run, or the error that stopped it.</summary>
public sealed record ExperimentSet(string Name, string Arm, bool Single, int Size, EditRun? Run, string? Error);

/// <summary>
/// The library question of issue 14: the pool's first S edits one at a time, and its first 1, 10, 50, 100 edits at
/// once, for every arm, on one <see cref="EditSession"/> (the unedited model's answers, perplexity and C are measured
/// once for all sets). Each set is an ordinary `relens edit` run whose edited folder is measured and discarded; its
/// edits.json is kept as sets/NAME.json. A set whose edits cannot be planned is recorded with its error.
/// </summary>
public static class EditExperiment
{
    /// <summary>Runs every set; <paramref name="progress"/> gets the sets so far after each one (the command rewrites its
    /// tables then, so a stopped experiment leaves what it measured). Per arm the order is: the first single (= the batch
    /// of one), the batches of up to 10, the other singles, the larger batches.</summary>
    public static IReadOnlyList<ExperimentSet> Run(EditSession session, IReadOnlyList<EditRequest> pool, int singles, IReadOnlyList<int> batches,
        IReadOnlyList<ExperimentArm> arms, EditOptions options, string outDir, Action<string> log, Action<IReadOnlyList<ExperimentSet>>? progress = null)
    {
        string setsDir = Path.Combine(outDir, "sets");
        Directory.CreateDirectory(setsDir);
        var sets = new List<ExperimentSet>();
        foreach (var arm in arms)
        {
            var o = options with { Method = arm.Method, Layer = arm.Layer };
            string slug = Slug(arm.Name);
            int singleCount = Math.Min(singles, pool.Count);
            ExperimentSet? first = singleCount > 0 ? One($"{slug}-single01", true, [pool[0]]) : null;
            foreach (int b in batches.Where(b => b <= 10).Order()) Batch(b);
            for (int i = 1; i < singleCount; i++) One($"{slug}-single{i + 1:00}", true, [pool[i]]);
            foreach (int b in batches.Where(b => b > 10).Order()) Batch(b);

            void Batch(int b)
            {
                string name = $"{slug}-batch{b}";
                if (b == 1 && first is not null)
                {
                    // a batch of one is the first single edit: the same run, listed again
                    if (first.Run is not null) File.Copy(Path.Combine(setsDir, first.Name + ".json"), Path.Combine(setsDir, name + ".json"), overwrite: true);
                    Add(first with { Name = name, Single = false });
                }
                else if (b > pool.Count) Add(new ExperimentSet(name, arm.Name, false, b, null, $"only {pool.Count} edits in the pool"));
                else One(name, false, pool.Take(b).ToList());
            }

            ExperimentSet One(string name, bool single, IReadOnlyList<EditRequest> requests)
            {
                ExperimentSet set;
                try
                {
                    var run = KnowledgeEditor.Edit(session, requests, null, o, _ => { });
                    File.WriteAllText(Path.Combine(setsDir, name + ".json"), EditsJson.Build(run).ToJsonString(EditsJson.Indented));
                    set = new ExperimentSet(name, arm.Name, single, requests.Count, run, null);
                    var m = run.Metrics;
                    log($"{name}: efficacy {m.Efficacy:0.00}, specificity {m.Specificity:0.00}, retention {m.Retention:0.00}, perplexity {m.PerplexityAfter:0.000}, "
                        + $"edit {run.Seconds["edit_total"]:0.0} s, measuring {run.Seconds["measure_before"] + run.Seconds["measure_after"]:0.0} s");
                }
                catch (RelensException e)
                {
                    set = new ExperimentSet(name, arm.Name, single, requests.Count, null, e.Message);
                    log($"{name}: not run: {e.Message}");
                }
                return Add(set);
            }

            ExperimentSet Add(ExperimentSet set)
            {
                sets.Add(set);
                progress?.Invoke(sets);
                return set;
            }
        }
        return sets;
    }

    private static string Slug(string arm) => arm.Replace('@', '-');
}
