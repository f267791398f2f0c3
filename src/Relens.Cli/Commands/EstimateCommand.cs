using System.Globalization;
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
/// the lines of --train-subjects, in that order, or else the seeded split (seed S = trial 0 of a run with --seed S).
/// </summary>
public sealed class EstimateCommand : ICommand
{
    private readonly Func<string, LanguageModel>? _loadModel;
    private readonly TextWriter? _output;

    public EstimateCommand() : this(null, null) { }

    public EstimateCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel;
        _output = output;
    }

    public string Name => "estimate";
    public string Summary => "estimate one LRE (relation, layer) and save it as PREFIX.safetensors + PREFIX.json";

    public string? LastPrefix { get; private set; }

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Estimate, _output);
        var a = CliArgs.Parse(args, ["model", "relation", "layer", "beta", "shots", "train-subjects", "relations", "out", "seed", .. ModelLoadArgs.ValueOptions], ModelLoadArgs.FlagOptions);
        var quantization = ModelLoadArgs.Quantization(a);
        string modelDir = a.Require("model");
        var relation = RelationSource.Resolve(a.Require("relation"), a.Get("relations"));
        var layer = LayerRef.Parse(a.Require("layer"));
        double beta = a.GetDouble("beta", 2.25);
        if (!double.IsFinite(beta) || beta < 0) throw new RelensException($"--beta must be a finite number ≥ 0, got {beta}");
        if (a.Has("shots") && a.Has("train-subjects"))
            throw new RelensException("--shots and --train-subjects exclude each other: the subjects file fixes the training set and its size");
        int shots = a.GetInt("shots", 8);
        long seed = a.GetInt("seed", 0);
        var train = Training(relation, a.Get("train-subjects"), shots, seed);
        var terminal = Terminal.Create(true, _output);

        using var lm = ModelLoadArgs.Load(_loadModel, modelDir, quantization);
        layer.Validate(lm.Model);
        foreach (var s in train)   // before the Jacobians: a subject that cannot be located fails now, not after minutes
            SubjectPrompt.Create(lm, IclPrompt.Build(relation.PromptTemplate, s.Subject, train, lm.PromptPrefix), s.Subject);
        string prefix = Path.GetFullPath(a.Get("out") ?? $"{Reporting.RunFolder.Stem(relation.Name)}_layer{layer}");
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

    private static IReadOnlyList<RelationSample> Training(Relation relation, string? subjectsFile, int shots, long seed)
    {
        if (subjectsFile is not null) return relation.WithTrainSubjects(TrainingSubjects.Read(subjectsFile)).Train.Samples;
        if (shots < 1) throw new RelensException($"--shots must be at least 1, got {shots}");
        if (shots > relation.Samples.Count)
            throw new RelensException($"--shots {shots} is more than relation '{relation.Name}' has samples ({relation.Samples.Count})");
        return relation.Split(shots, seed).Train.Samples;
    }

}
