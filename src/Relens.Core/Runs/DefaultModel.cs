using Relens.Relations;
using Relens.World;

namespace Relens.Runs;

/// <summary>
/// The model `relens run` uses when no --model is given: the default world model (a small GPT-Neo trained
/// from scratch on the relation facts, see World/ and docs/WORLD.md, design D-L3s), trained once into a user cache folder keyed by world,
/// seed and format version, and reused afterwards. An interrupted first training resumes from its checkpoint.
/// This is the ONE place that decides the default.
/// </summary>
public static class DefaultModel
{
    public const string World = "default";
    public const int Seed = 1;
    /// <summary>Bump when the world corpus, model recipe or folder contents change, so stale caches are not reused
    /// (2: the folder lists its taught facts in facts.json; 3: D-L3s, GPT-Neo with token-local blocks 0–2).</summary>
    public const int FormatVersion = 3;

    /// <summary>The default world's model: <see cref="WorldModelShape"/>'s defaults (6 × 256 GPT-Neo, blocks 0–2 window 1).</summary>
    public static WorldModelShape Shape => new();

    /// <summary>2,000 steps (what the design was measured at), unless 30 minutes run out first on a slow machine:
    /// the step plan is then cut so the cosine schedule still ends within the budget.</summary>
    public const int Steps = 2000;
    public static readonly TimeSpan Budget = TimeSpan.FromMinutes(30);

    public static TrainOptions Training(int seed) => new(MaxSteps: Steps, TimeBudget: Budget, Seed: seed, LogEvery: 50);

    /// <summary>$RELENS_CACHE, else $XDG_CACHE_HOME/relens, else ~/.cache/relens.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("RELENS_CACHE") is { Length: > 0 } c ? c
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "relens");

    public static string Folder => FolderFor(World, Seed);

    /// <summary>The cache folder of a world preset trained with its own recipe and this seed.</summary>
    public static string FolderFor(string world, int seed) => Path.Combine(CacheRoot, "worlds", $"{world}-seed{seed}-v{FormatVersion}");

    public static bool IsTrained(string folder) =>
        File.Exists(Path.Combine(folder, "config.json")) && File.Exists(Path.Combine(folder, "model.safetensors")) && File.Exists(Path.Combine(folder, "tokenizer.json"));

    /// <summary>File stems of the relations the default world is made of: what a run on it measures by default
    /// (the other relations' facts are not in its training text, so it knows none of them).</summary>
    public static IReadOnlyList<string> RelationStems(string relationsDir) =>
        WorldSpec.Preset(World, relationsDir).Relations.Select(r => r.Id[(r.Id.LastIndexOf('/') + 1)..]).ToList();

    /// <summary>The default world's relations found in <paramref name="relationsDir"/>; an error if none is there.</summary>
    public static IReadOnlyList<string> RelationsIn(string relationsDir)
    {
        var dataset = RelationDataset.Load(relationsDir);
        var stems = RelationStems(relationsDir).Where(s => dataset.TryFind(s, out _)).ToList();
        if (stems.Count == 0)
            throw RelensException.InFile(relationsDir, $"holds none of the default world model's relations ({string.Join(", ", RelationStems(relationsDir))}); " +
                "pass --model DIR to run another model on these relations, or --relations with the paper's dataset");
        return stems;
    }

    /// <summary>The folder of the default model, training it first if the cache does not hold it.</summary>
    public static string Resolve(Action<string> log, string? relationsDir = null)
    {
        string folder = Folder;
        if (IsTrained(folder))
        {
            log($"default model: the '{World}' world model cached in {folder}");
            return folder;
        }
        string relations = RelationDataRoot.Resolve(relationsDir);
        log($"default model: training the '{World}' world model from scratch into {folder} (first run only, 20–30 minutes on 2 cores)");
        // the same recipe as `relens world train --world default` with its defaults
        var settings = new WorldBuildSettings(WorldSpec.Preset(World, relations), relations, Shape, Training(Seed));
        WorldBuild.Train(settings, folder, log);
        // what it learned (8-shot ICL accuracy per relation) into accuracy.json; the run itself measures the LREs
        var report = WorldEvaluation.Run(folder, WorldCorpus.Build(settings.Spec, relations), lreTrials: 0, log, probes: false);
        log($"wrote {WorldAccuracyFile.Write(folder, report)}");
        return folder;
    }
}
