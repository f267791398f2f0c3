using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
using Relens.Cli.Output;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Runs;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens estimate`: one LRE (the paper's mean-Jacobian estimator) for one relation at one layer, saved as
/// PREFIX.safetensors (F32 weight [d,d], the unscaled mean Jacobian, and bias [d]) + PREFIX.json (β, layer,
/// the exact n-shot prompt template, training samples, model identity, timings). The training samples are
/// the lines of --train-subjects or the pairs of --train-samples, in that order, or else the seeded split (seed S = trial 0
/// of a run with --seed S).
/// </summary>
public sealed class EstimateCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    public EstimateCommand() : this(null, null) { }

    public override string Name => "estimate";
    public override string Summary => "estimate one LRE (relation, layer) and save it as PREFIX.safetensors + PREFIX.json";

    public string? LastPrefix { get; private set; }

    private static readonly RunOptions Defaults = new();
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "a Hugging Face checkpoint folder");
    private readonly Option<string?> _relation = Opt.Text("--relation", "FILE|NAME", "a relation JSON file, or a relation's name or file stem in --relations");
    private readonly Option<string?> _layer = Opt.Text("--layer", "L", "emb or a block number");
    private readonly Option<double> _beta = Opt.Number("--beta", "B", "β, saved with the LRE (the scale of W at use)", Defaults.Beta);
    private readonly Option<int> _shots = Opt.Int("--shots", "N", "training samples of the seeded split", Defaults.Shots);
    private readonly Option<int> _seed = Opt.Int("--seed", "S", "seed of the split (the same as trial 0 of `relens run --seed S`)", (int)Defaults.Seed);
    private readonly Option<string?> _subjects = Opt.Text("--train-subjects", "FILE", "training subjects, one per line, used in that order (each must have one object in the relation)");
    private readonly Option<string?> _samples = Opt.Text("--train-samples", "FILE", "training pairs, used in that order: TSV lines subject<TAB>object, or a JSON array of {\"subject\": …, \"object\": …}");
    private readonly Option<string?> _relations = Opt.RelationsFolder();
    private readonly Option<string?> _out = Opt.Text("--out", "PREFIX", "output prefix (default: STEM_layerL)");
    private readonly ModelLoadOptions _load = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens estimate --model DIR --relation FILE|NAME --layer L [--beta B] [--shots N --seed S | --train-subjects FILE | --train-samples FILE] [--out PREFIX]"],
            Details = "Estimates one LRE (mean Jacobian over the training samples, each prompted with the other n−1 as shots) and writes "
                + "PREFIX.safetensors (weight [d,d] unscaled, bias [d]) and PREFIX.json (β, layer, prompt template, training samples, model "
                + "identity, timings). The training samples are the seeded split, or the subjects of --train-subjects, or the exact pairs of "
                + "--train-samples (needed for a subject with several objects, e.g. apple → fruit and apple → plant).",
        };
        command.AddRequired(_model);
        command.AddRequired(_relation);
        command.AddRequired(_layer);
        foreach (var option in new Option[] { _beta, _shots, _seed, _subjects, _samples, _relations, _out }) command.Add(option);
        _load.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        var quantization = _load.Quantization(r);
        string modelDir = r.Required(_model);
        var relation = RelationSource.Resolve(r.Required(_relation), r.GetValue(_relations));
        var layer = LayerRef.Parse(r.Required(_layer));
        double beta = r.GetValue(_beta);
        if (!double.IsFinite(beta) || beta < 0) throw new RelensException($"--beta must be a finite number ≥ 0, got {beta}");
        if (r.Given(_subjects) && r.Given(_samples)) throw new RelensException("--train-subjects and --train-samples exclude each other: give the training set once");
        if (r.Given(_shots) && (r.Given(_subjects) || r.Given(_samples)))
            throw new RelensException($"--shots and {(r.Given(_subjects) ? "--train-subjects" : "--train-samples")} exclude each other: the file fixes the training set and its size");
        var train = Training(relation, r.GetValue(_subjects), r.GetValue(_samples), r.GetValue(_shots), r.GetValue(_seed));
        var terminal = Terminal.Create(true, Output);

        using var lm = ModelLoadOptions.Load(loadModel, modelDir, quantization);
        layer.Validate(lm.Model);
        foreach (var s in train)   // before the Jacobians: a subject that cannot be located fails now, not after minutes
            SubjectPrompt.Create(lm, IclPrompt.Build(relation.PromptTemplate, s.Subject, train, lm.PromptPrefix), s.Subject);
        string prefix = Path.GetFullPath(r.GetValue(_out) ?? $"{Reporting.RunFolder.Stem(relation.Name)}_layer{layer}");
        OutputFolderCheck.CheckFiles("--out", prefix + ".safetensors", prefix + ".json");

        terminal.Line($"estimating '{relation.Name}' at layer {layer} on {train.Count} training samples ({lm.ModelType}, d = {lm.Model.HiddenSize})");
        using var lre = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplate, train, layer, beta);
        LinearRelationFile.Save(lre, prefix);
        LastPrefix = prefix;

        var t = lre.Info.TimingSeconds;
        terminal.Line($"training   {string.Join(", ", train.Select(s => $"{s.Subject} → {s.Object}"))}");
        terminal.Line($"‖W‖ = {lre.Weight.norm().item<float>().ToString("0.###", CultureInfo.InvariantCulture)}, ‖b‖ = {lre.Bias.norm().item<float>().ToString("0.###", CultureInfo.InvariantCulture)}, β = {beta.ToString(CultureInfo.InvariantCulture)}");
        terminal.Line($"time       forward {t.GetValueOrDefault("forward"):0.###} s, jacobian {t.GetValueOrDefault("jacobian"):0.###} s, total {t.GetValueOrDefault("total"):0.###} s");
        terminal.Line($"wrote      {prefix}.safetensors and {prefix}.json");
        return 0;
    }

    private static IReadOnlyList<RelationSample> Training(Relation relation, string? subjectsFile, string? samplesFile, int shots, long seed)
    {
        if (subjectsFile is not null) return relation.WithTrainSubjects(TrainingSubjects.Read(subjectsFile)).Train.Samples;
        if (samplesFile is not null) return relation.WithTrainSamples(TrainingSamples.Read(samplesFile)).Train.Samples;
        if (shots < 1) throw new RelensException($"--shots must be at least 1, got {shots}");
        if (shots > relation.Samples.Count)
            throw new RelensException($"--shots {shots} is more than relation '{relation.Name}' has samples ({relation.Samples.Count})");
        return relation.Split(shots, seed).Train.Samples;
    }

}
