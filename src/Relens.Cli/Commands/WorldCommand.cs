using System.CommandLine;
using Relens.Cli.CommandLine;
using Relens.Relations;
using Relens.Runs;
using Relens.World;

namespace Relens.Cli.Commands;

/// <summary>`relens world train`: make a world's text, fit its BPE, train a small model from scratch, save it as a
/// Hugging Face folder and measure what it knows (ICL knowledge, linear probes, LRE faithfulness) into accuracy.json.
/// The defaults are the default world's recipe (<see cref="DefaultModel"/>, <see cref="TrainOptions"/>, <see cref="WorldModelShape"/>).</summary>
public sealed class WorldCommand : CommandBase
{
    public override string Name => "world";
    public override string Summary => "'world train': train a small world model on relation facts (resumable) and measure it";

    private static readonly TrainOptions Training = new();
    private static readonly WorldModelShape Shape = DefaultModel.Shape;
    // the record's own default (a positional parameter's default cannot be read otherwise)
    private static readonly int Vocab = new WorldBuildSettings(null!, "", Shape, Training).VocabSize;
    private static readonly string[] PeopleAttributes = ["factual/person_plays_pro_sport", "factual/person_plays_instrument", "bias/name_religion"];

    private readonly Option<string> _world = Opt.Text("--world", "NAME", $"the world preset: {string.Join(", ", WorldSpec.PresetNames)}", DefaultModel.World).Suggest([.. WorldSpec.PresetNames]);
    private readonly Option<string?> _out = Opt.Text("--out", "DIR", "the model folder (default: the preset's folder in the user cache, which `relens run` reuses; required when the recipe is changed)");
    private readonly Option<string?> _relations = Opt.RelationsFolder();
    private readonly Option<int?> _seed = Opt.OptionalInt("--seed", "S", $"the world's seed, also of the weights and batches (default: the preset's; the default world's is {DefaultModel.Seed})");
    private readonly Option<int> _steps = Opt.Int("--steps", "N", "training steps (with neither --steps nor --minutes: this many, cut to fit --minutes)", DefaultModel.Steps);
    private readonly Option<double> _minutes = Opt.Number("--minutes", "M", "training time budget (with --minutes alone: as many steps as fit)", DefaultModel.Budget.TotalMinutes);
    private readonly Option<int> _layers = Opt.Int("--layers", "L", "blocks", Shape.Layers);
    private readonly Option<int> _dModel = Opt.Int("--d-model", "D", "the hidden size", Shape.DModel);
    private readonly Option<int> _heads = Opt.Int("--heads", "H", "attention heads", Shape.Heads);
    private readonly Option<int> _context = Opt.Int("--context", "T", "the context length", Shape.Context);
    private readonly Option<int> _localLayers = Opt.Int("--local-layers", "K", "the first K blocks attend within --window tokens (GPT-Neo); 0 = every block global (GPT-2, the earlier R1)", Shape.LocalLayers);
    private readonly Option<int> _window = Opt.Int("--window", "W", "the local blocks' attention window", Shape.Window);
    private readonly Option<int> _vocab = Opt.Int("--vocab", "V", "the BPE vocabulary size", Vocab);
    private readonly Option<int> _batch = Opt.Int("--batch", "B", "blocks per step", Training.BatchSize);
    private readonly Option<int> _block = Opt.Int("--block", "T", "tokens per block", Training.BlockSize);
    private readonly Option<double> _lr = Opt.Number("--lr", "RATE", "peak learning rate (AdamW, cosine decay)", Training.LearningRate);
    private readonly Option<int> _warmup = Opt.Int("--warmup", "N", "warm-up steps", Training.WarmupSteps);
    private readonly Option<int> _checkpointEvery = Opt.Int("--checkpoint-every", "N", "steps between resumable checkpoints", Training.CheckpointEvery);
    private readonly Option<int> _threads = Opt.Int("--threads", "N", "libtorch's threads for training and measuring (1 lets two trainings share a 2-core machine)", Training.Threads);
    private readonly Option<int> _lreTrials = Opt.Int("--lre-trials", "K", "LRE trials per relation in the evaluation", 2);
    private readonly Option<bool> _noEval = Opt.Flag("--no-eval", "train only");
    private readonly Option<bool> _evalOnly = Opt.Flag("--eval-only", "measure an already trained --out");
    private readonly Option<bool> _noProbe = Opt.Flag("--no-probe", "leave out the linear probes");
    private readonly Option<int?> _iclPasses = Opt.OptionalInt("--icl-passes", "N", "corpus mix: passes of n-shot ICL text (default: the preset's)");
    private readonly Option<int?> _profilePasses = Opt.OptionalInt("--profile-passes", "N", "corpus mix: passes of subject profiles (default: the preset's)");
    private readonly Option<int?> _mixedPasses = Opt.OptionalInt("--mixed-passes", "N", "corpus mix: passes of mixed-relation text (default: the preset's)");
    private readonly Option<double?> _compactShare = Opt.OptionalNumber("--compact-share", "X", "corpus mix: share of compact statements (default: the preset's)");
    private readonly Option<double?> _heldOutShare = Opt.OptionalNumber("--held-out-share", "S",
        "design D1: this share of each relation's facts is never shown in the template (query) form, only as \"subject object\" and in other phrasings; accuracy.json gives their knowledge apart (held_out) (default: 0)");
    private readonly Option<int?> _people = Opt.OptionalInt("--people", "N", "add N synthetic people with --people-attributes");
    private readonly Option<string[]> _peopleAttributes = Opt.List("--people-attributes", "ID", $"relation ids the synthetic people get (default: {string.Join(", ", PeopleAttributes)})");

    /// <summary>Options that change what model is made: with any of them the user cache (what `relens run` reuses)
    /// is not the place for the result, so --out is required.</summary>
    private IEnumerable<Option> RecipeOptions => [_steps, _minutes, _layers, _dModel, _heads, _context, _localLayers, _window, _vocab, _batch, _block,
        _lr, _warmup, _iclPasses, _profilePasses, _mixedPasses, _compactShare, _heldOutShare, _people, _peopleAttributes];

    protected override Command Create()
    {
        var train = new CliCommand("train", "make a world's text, fit its BPE, train a small model from scratch (resumable) and measure what it knows")
        {
            Details = "Saves the model as a Hugging Face folder and measures what it knows into accuracy.json (ICL knowledge, linear probes, "
                + "LRE faithfulness). The defaults are the default world's recipe: a 6 × 256 GPT-Neo with blocks 0–2 local, 2,000 steps cut "
                + "to fit 30 minutes. See docs/WORLD.md.",
        };
        foreach (var option in new Option[] { _world, _out, _relations, _seed, _lreTrials, _noEval, _evalOnly, _noProbe, _threads, _checkpointEvery })
            train.Add(option);
        foreach (var option in RecipeOptions) train.Add(option);
        train.SetAction(Train);
        return CliCommand.Group(Name, Summary, train);
    }

    private int Train(ParseResult r)
    {
        string relations = RelationDataRoot.Resolve(r.GetValue(_relations));
        var spec = Spec(r, relations);
        string outDir = Path.GetFullPath(r.GetValue(_out) ?? CacheFolder(r, spec));
        // neither --steps nor --minutes: the default world's recipe (a step count capped by a time budget)
        bool steps = r.Given(_steps), minutes = r.Given(_minutes);
        var training = Training with
        {
            BlockSize = r.GetValue(_block), BatchSize = r.GetValue(_batch), LearningRate = r.GetValue(_lr), WarmupSteps = r.GetValue(_warmup),
            MaxSteps = steps || !minutes ? r.GetValue(_steps) : 0,
            TimeBudget = minutes || !steps ? TimeSpan.FromMinutes(r.GetValue(_minutes)) : null,
            Seed = r.GetValue(_seed) ?? Training.Seed, CheckpointEvery = r.GetValue(_checkpointEvery), LogEvery = 50, Threads = r.GetValue(_threads),
        };
        if (training.TimeBudget is { } budget && budget <= TimeSpan.Zero) throw new RelensException($"--minutes must be > 0, got {r.GetValue(_minutes)}");
        var shape = Shape with
        {
            Layers = r.GetValue(_layers), DModel = r.GetValue(_dModel), Heads = r.GetValue(_heads), Context = r.GetValue(_context),
            LocalLayers = r.GetValue(_localLayers), Window = r.GetValue(_window),
        };
        shape.Validate();
        var settings = new WorldBuildSettings(spec, relations, shape, training, r.GetValue(_vocab));

        OutputFolderCheck.Check(outDir, resume: true);
        if (training.Threads < 1) throw new RelensException($"--threads {training.Threads}: give at least 1");
        TorchSharp.torch.set_num_threads(training.Threads);
        if (!r.GetValue(_evalOnly)) WorldBuild.Train(settings, outDir, Console.WriteLine);
        if (r.GetValue(_noEval)) return 0;
        var corpus = WorldCorpus.Build(spec, relations);
        var report = WorldEvaluation.Run(outDir, corpus, r.GetValue(_lreTrials), Console.WriteLine, probes: !r.GetValue(_noProbe));
        string path = WorldAccuracyFile.Write(outDir, report);
        Console.WriteLine(WorldAccuracyTable.Render(report));
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    /// <summary>Without --out: the preset's folder in the user cache, keyed by world, seed and format version
    /// (for the default world, the folder `relens run` uses).</summary>
    private string CacheFolder(ParseResult r, WorldSpec spec)
    {
        if (RecipeOptions.FirstOrDefault(r.Given) is { } changed)
            throw new RelensException($"{changed.Name} changes the recipe, so the result does not belong in the cache: give --out DIR");
        return DefaultModel.FolderFor(spec.Name, spec.Seed);
    }

    private WorldSpec Spec(ParseResult r, string relations)
    {
        var spec = WorldSpec.Preset(r.GetValue(_world)!, relations);
        var m = spec.Mix;
        spec = spec with
        {
            Seed = r.GetValue(_seed) ?? spec.Seed,
            Mix = m with
            {
                IclPasses = r.GetValue(_iclPasses) ?? m.IclPasses, ProfilePasses = r.GetValue(_profilePasses) ?? m.ProfilePasses,
                MixedPasses = r.GetValue(_mixedPasses) ?? m.MixedPasses, CompactShare = r.GetValue(_compactShare) ?? m.CompactShare,
                HeldOutShare = r.GetValue(_heldOutShare) ?? m.HeldOutShare,
            },
        };
        if (r.GetValue(_people) is int people and > 0)
        {
            var attributes = r.GetValue(_peopleAttributes) is { Length: > 0 } given ? given.ToList() : [.. PeopleAttributes];
            if (attributes.FirstOrDefault(id => spec.Relations.All(x => x.Id != id)) is { } missing)
                throw new RelensException($"--people-attributes: {missing} is not one of world '{spec.Name}''s relations");
            spec = spec with { People = new SyntheticPeople(people, attributes) };
        }
        return spec;
    }
}
