using Relens.Evaluation.Records;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;
using TorchSharp;

namespace Relens.Tests.Web;

/// <summary>
/// A real `relens run` folder over golden/gpt2-tiny, written once per test process with the library's own
/// pieces (RelationSweep, RunSummarizer, LreEstimator, LinearRelationFile) so the viewer reads exactly the
/// layout the run command writes. The tiny model is random and knows no real facts, so each relation's
/// objects are replaced by the model's own zero-shot answers: then some test facts pass the known-fact
/// filter and the pages have samples and edits to show, and faithfulness differs between relations.
/// </summary>
public sealed class TinyRun
{
    private static readonly Lazy<TinyRun> Instance = new(() => new TinyRun(), LazyThreadSafetyMode.ExecutionAndPublication);
    public static TinyRun Shared => Instance.Value;

    public static readonly string[] RelationNames = ["country capital city", "fruit inside color", "adjective antonym"];
    public const double Beta = 1.0;

    public string Directory { get; }
    public string ModelDirectory { get; } = TestPaths.Golden("gpt2-tiny");
    public IReadOnlyList<Relation> Relations { get; }
    /// <summary>Relations that got a saved LRE (the last one deliberately has none).</summary>
    public IReadOnlyList<string> LreStems { get; }
    public RunFolder Folder => new(Directory);

    private TinyRun()
    {
        Directory = TestPaths.NewTempDir("web-run");
        using var lm = LanguageModel.Load(ModelDirectory);
        var dataset = RelationDataset.Load(TestPaths.Relations);
        var settings = new SweepSettings
        {
            Shots = 3, Trials = 1, Layers = [LayerRef.Embedding, LayerRef.At(1), LayerRef.At(3)],
            Beta = Beta, Betas = [0.5, Beta], Ranks = [0, 16, 64], MinKnown = 1,
        };
        Relations = RelationNames.Select(n => WithModelAnswers(lm, dataset.Find(n), settings.Shots, settings.Seed)).ToList();
        var folder = Folder;
        var started = DateTime.UtcNow;
        using (var store = SweepRecordStore.Open(folder.ResultsPath))
        {
            var sweep = new RelationSweep(lm, settings, store);
            foreach (var r in Relations) sweep.Run(r);
        }
        var summary = RunSummarizer.Summarize(folder.LoadRecords(), Relations, lm.Tokenizer, Beta);
        folder.SaveSummary(summary);
        var stems = new List<string>();
        foreach (var r in Relations.Take(2))
        {
            var layer = LayerRef.Parse(summary.Relations.Single(s => s.Relation == r.Name).CausalityBestLayer ?? "1");
            var train = r.Samples.Take(settings.Shots).ToList();
            using var lre = LreEstimator.Estimate(lm, r.Name, r.PromptTemplate, train, layer, Beta);
            LinearRelationFile.Save(lre, folder.LrePrefix(r.Name));
            stems.Add(RunFolder.Stem(r.Name));
        }
        LreStems = stems;
        new RunInfo
        {
            ModelDirectory = ModelDirectory, ModelIdentity = lm.Identity, ModelType = lm.ModelType,
            NumLayers = lm.Model.NumLayers, HiddenSize = lm.Model.HiddenSize, RelationsDirectory = TestPaths.Relations,
            Relations = RelationNames, Shots = settings.Shots, Trials = settings.Trials, Seed = settings.Seed, Beta = Beta,
            Layers = settings.Layers.Select(l => l.ToString()).ToList(), Betas = settings.Betas, Ranks = settings.Ranks,
            StartedUtc = started, FinishedUtc = DateTime.UtcNow, Seconds = (DateTime.UtcNow - started).TotalSeconds,
        }.Save(Directory);
    }

    /// <summary>
    /// The first 10 subjects, with objects the model's own greedy answers: test subjects get their answer under
    /// trial 0's few-shot prompt (what the known-fact filter checks), the rest their zero-shot answer. The
    /// split depends on the objects, so this repeats until the split stops changing.
    /// </summary>
    internal static Relation WithModelAnswers(LanguageModel lm, Relation relation, int shots, long seed)
    {
        var subjects = relation.Samples.Select(s => s.Subject).Distinct().Take(10).ToList();
        var template = relation.PromptTemplate;
        var current = Make(subjects.Select(s => new RelationSample(s, Answer(lm, IclPrompt.Single(template, s, lm.PromptPrefix)))));
        for (int i = 0; i < 10; i++)
        {
            var split = current.Split(shots, seed);
            var icl = IclPrompt.Template(template, split.Train.Samples, lm.PromptPrefix);
            var test = split.Test.Samples.ToDictionary(s => s.Subject, s => Answer(lm, IclPrompt.FillQuery(icl, s.Subject)));
            var next = Make(current.Samples.Select(s => test.TryGetValue(s.Subject, out var a) ? s with { Object = a } : s));
            if (next.Samples.SequenceEqual(current.Samples)) break;
            current = next;
        }
        return current;

        // a new Relation, not `with`: its derived fields (range, fn type) are computed from the samples at construction
        Relation Make(IEnumerable<RelationSample> samples) =>
            new(relation.Name, relation.Category, relation.PromptTemplates, relation.ZeroShotTemplates, relation.Properties, samples.ToList());
    }

    private static string Answer(LanguageModel lm, string prompt)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = lm.Tokenizer.Encode(prompt).Ids;
        var logits = lm.Model.Forward(new ForwardInput
        {
            InputIds = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), Logits = LogitsAt.Last,
        }).Logits!;
        var answer = lm.Tokenizer.Decode((int)logits.argmax(-1).item<long>()).Trim();
        return answer.Length > 0 ? answer : "?";
    }
}
