using Relens.Models;
using Relens.Relations;
using Relens.Tokenization;
using Relens.World;
using TorchSharp;

namespace Relens.Tests.World;

/// <summary>The real GPT-2 class trained briefly on the tiny world, saved and loaded back as an HF folder.</summary>
[Collection(TorchRngCollection.Name)]
public class WorldModelTests : IClassFixture<WorldModelTests.Trained>
{
    public sealed class Trained
    {
        public string Dir { get; } = TestPaths.NewTempDir("world-model");
        public WorldBuildSettings Settings { get; }
        public TrainResult Result { get; }
        public List<string> Log { get; } = new();

        public Trained()
        {
            Settings = new WorldBuildSettings(WorldSpec.Tiny, TestPaths.Relations, new WorldModelShape(2, 32, 2, 128, LocalLayers: 0),
                new TrainOptions(BlockSize: 64, BatchSize: 8, LearningRate: 5e-3, WarmupSteps: 5, MaxSteps: 40, LogEvery: 10, CheckpointEvery: 20),
                VocabSize: 600);
            Result = WorldBuild.Train(Settings, Dir, Log.Add);
        }
    }

    private readonly Trained _t;
    public WorldModelTests(Trained t) => _t = t;

    [Fact]
    public void Saved_folder_is_a_loadable_HF_GPT2_that_gives_the_trained_logits() =>
        AssertExportEqualsTraining(_t.Dir, _t.Settings, _t.Result, "gpt2");

    /// <summary>The folder loads through the normal loader as <paramref name="modelType"/>, and the same settings trained
    /// again in memory (the class the trainer uses) give the loaded model's logits.</summary>
    internal static void AssertExportEqualsTraining(string dir, WorldBuildSettings settings, TrainResult result, string modelType)
    {
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "world.json" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        Assert.True(result.LossCurve[^1] < result.LossCurve[0]);
        using var lm = LanguageModel.Load(dir);
        Assert.Equal(modelType, lm.ModelType);
        Assert.Equal(settings.Shape.Layers, lm.Model.NumLayers);

        var (_, vocab) = WorldBuild.Prepare(settings);
        var config = settings.Shape.Config(vocab.VocabSize, vocab.EosTokenId!.Value);
        using var again = WorldModel.Create(config, settings.Training.Seed);
        var corpus = WorldCorpus.Build(settings.Spec, TestPaths.Relations);
        var tokenizer = vocab.Tokenizer(TestPaths.NewTempDir("world-retrain"), settings.Shape.Context);
        int[] Ids(string text) => tokenizer.Encode(text, addSpecialTokens: false).Ids;
        new WorldTrainer(again, e => corpus.Documents(e).Select(Ids), settings.Training, log: _ => { },
            parameterScale: name => WorldModel.ParameterScale(config, name)).Run();
        var ids = torch.tensor(Ids("<|endoftext|>The capital city of France is").Select(i => (long)i).ToArray()).unsqueeze(0);
        using var noGrad = torch.no_grad();
        var expected = again.call(ids);
        var actual = lm.Model.call(ids);
        Assert.True(torch.allclose(expected, actual, rtol: 1e-4, atol: 1e-4), $"max diff {(expected - actual).abs().max().item<float>()}");
    }

    [Fact]
    public void Evaluation_measures_knowledge_probes_and_lre_on_the_loaded_model()
    {
        var corpus = WorldCorpus.Build(_t.Settings.Spec, TestPaths.Relations);
        var log = new List<string>();
        var report = WorldEvaluation.Run(_t.Dir, corpus, lreTrials: 1, log.Add);
        Assert.Equal(corpus.FactCount, report.Knowledge.Facts.Count);
        Assert.Equal(corpus.Relations.Count, report.Probes.Count);
        Assert.All(report.Probes, p => Assert.Equal(3, p.Accuracy.Count));        // emb, 0, 1
        Assert.All(report.Lre, r => Assert.InRange(r.Majority, 0.0, 1.0));
        Assert.Contains(log, l => l.StartsWith("knowledge: overall"));
    }

    [Fact]
    public void Running_again_on_the_same_folder_resumes_instead_of_starting_over()
    {
        var log = new List<string>();
        var r = WorldBuild.Train(_t.Settings, _t.Dir, log.Add);
        Assert.True(r.Resumed);
        Assert.Equal(_t.Result.Steps, r.Steps);
        Assert.Contains(log, l => l.StartsWith("resumed at step 40"));
    }
}

/// <summary>A world whose first block attends only to its own token: trained and saved as HF GPT-Neo.</summary>
[Collection(TorchRngCollection.Name)]
public class WorldGptNeoModelTests
{
    [Fact]
    public void Local_first_block_is_saved_as_GPT_Neo_that_gives_the_trained_logits()
    {
        string dir = TestPaths.NewTempDir("world-gptneo");
        var settings = new WorldBuildSettings(WorldSpec.Tiny, TestPaths.Relations, new WorldModelShape(2, 32, 2, 128, LocalLayers: 1, Window: 1),
            new TrainOptions(BlockSize: 64, BatchSize: 8, LearningRate: 5e-3, WarmupSteps: 5, MaxSteps: 40, LogEvery: 10),
            VocabSize: 600);
        var result = WorldBuild.Train(settings, dir, _ => { });
        WorldModelTests.AssertExportEqualsTraining(dir, settings, result, "gpt_neo");
        var config = Relens.Models.GptNeo.GptNeoConfig.From(ModelConfig.Load(dir));
        Assert.Equal(new[] { "local", "global" }, config.AttentionLayers);
        Assert.Equal(1, config.WindowSize);
    }
}
