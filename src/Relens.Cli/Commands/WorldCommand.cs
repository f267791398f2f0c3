using Relens.Relations;
using Relens.Runs;
using Relens.World;

namespace Relens.Cli.Commands;

/// <summary>`relens world train`: make a world's text, fit its BPE, train a small GPT-2 from scratch, save it as a
/// Hugging Face folder and measure what it knows (ICL knowledge, linear probes, LRE faithfulness) into accuracy.json.</summary>
public sealed class WorldCommand : ICommand
{
    public string Name => "world";
    public string Summary => "'world train [--world default|full|tiny] [--seed S] [--out DIR]': train a small world model on relation facts (resumable) and measure it";

    private static readonly string[] Values =
    [
        "world", "out", "relations", "layers", "d-model", "heads", "context", "local-layers", "window", "vocab", "minutes", "steps", "seed",
        "batch", "block", "lr", "warmup", "checkpoint-every", "lre-trials", "threads",
        "icl-passes", "profile-passes", "mixed-passes", "compact-share", "people", "people-attributes",
    ];

    public int Run(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "train")
            throw new RelensException("usage: relens world train [--world default|full|tiny] [--seed S] [--out DIR] [--minutes M | --steps N] " +
                "[--layers L --d-model D --heads H] [--local-layers K --window W] [--no-eval | --eval-only] [--no-probe] [--lre-trials K]");
        var a = CliArgs.Parse(args.Skip(1).ToList(), Values, ["no-eval", "eval-only", "no-probe"]);
        string relations = RelationDataRoot.Resolve(a.Get("relations"));
        var spec = Spec(a, relations);
        string outDir = Path.GetFullPath(a.Get("out") ?? CacheFolder(a, spec));
        // neither --steps nor --minutes: the default world's recipe (a step count capped by a time budget)
        bool given = a.Has("steps") || a.Has("minutes");
        int steps = a.GetInt("steps", given ? 0 : DefaultModel.Steps);
        double minutes = a.GetDouble("minutes", given ? 0 : DefaultModel.Budget.TotalMinutes);
        var training = new TrainOptions(
            BlockSize: a.GetInt("block", 128), BatchSize: a.GetInt("batch", 16), LearningRate: a.GetDouble("lr", 2e-3),
            WarmupSteps: a.GetInt("warmup", 30), MaxSteps: steps,
            TimeBudget: minutes > 0 ? TimeSpan.FromMinutes(minutes) : null,
            Seed: a.GetInt("seed", 1), CheckpointEvery: a.GetInt("checkpoint-every", 200), LogEvery: 50,
            Threads: a.GetInt("threads", 2));
        var d = DefaultModel.Shape;
        var shape = new WorldModelShape(a.GetInt("layers", d.Layers), a.GetInt("d-model", d.DModel), a.GetInt("heads", d.Heads),
            a.GetInt("context", d.Context), LocalLayers: a.GetInt("local-layers", d.LocalLayers), Window: a.GetInt("window", d.Window));
        shape.Validate();
        var settings = new WorldBuildSettings(spec, relations, shape, training, a.GetInt("vocab", 4096));

        Runs.OutputFolderCheck.Check(outDir, resume: true);
        if (training.Threads < 1) throw new RelensException($"--threads {training.Threads}: give at least 1");
        TorchSharp.torch.set_num_threads(training.Threads);
        if (!a.Flag("eval-only")) WorldBuild.Train(settings, outDir, Console.WriteLine);
        if (a.Flag("no-eval")) return 0;
        var corpus = WorldCorpus.Build(spec, relations);
        var report = WorldEvaluation.Run(outDir, corpus, a.GetInt("lre-trials", 2), Console.WriteLine, probes: !a.Flag("no-probe"));
        string path = WorldAccuracyFile.Write(outDir, report);
        Console.WriteLine(WorldAccuracyTable.Render(report));
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    /// <summary>Options that change what model is made: with any of them the user cache (what `relens run` reuses)
    /// is not the place for the result, so --out is required.</summary>
    private static readonly string[] RecipeOptions = Values.Except(["world", "out", "relations", "seed", "lre-trials", "checkpoint-every", "threads"]).ToArray();

    /// <summary>Without --out: the preset's folder in the user cache, keyed by world, seed and format version
    /// (for the default world, the folder `relens run` uses).</summary>
    private static string CacheFolder(CliArgs a, WorldSpec spec)
    {
        if (RecipeOptions.FirstOrDefault(a.Has) is { } changed)
            throw new RelensException($"--{changed} changes the recipe, so the result does not belong in the cache: give --out DIR");
        return DefaultModel.FolderFor(spec.Name, spec.Seed);
    }

    private static WorldSpec Spec(CliArgs a, string relations)
    {
        var spec = WorldSpec.Preset(a.Get("world") ?? "default", relations);
        var m = spec.Mix;
        spec = spec with
        {
            Seed = a.GetInt("seed", spec.Seed),
            Mix = m with
            {
                IclPasses = a.GetInt("icl-passes", m.IclPasses), ProfilePasses = a.GetInt("profile-passes", m.ProfilePasses),
                MixedPasses = a.GetInt("mixed-passes", m.MixedPasses), CompactShare = a.GetDouble("compact-share", m.CompactShare),
            },
        };
        if (a.GetInt("people", 0) is > 0 and var people)
        {
            var attributes = a.GetAll("people-attributes") is { Count: > 0 } given ? given.ToList()
                : ["factual/person_plays_pro_sport", "factual/person_plays_instrument", "bias/name_religion"];
            if (attributes.FirstOrDefault(id => spec.Relations.All(r => r.Id != id)) is { } missing)
                throw new RelensException($"--people-attributes: {missing} is not one of world '{spec.Name}''s relations");
            spec = spec with { People = new SyntheticPeople(people, attributes) };
        }
        return spec;
    }
}
