using System.Text.Json;
using Relens.Checkpoints;
using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>Relens's LRE against the paper's own estimator (evandez/relations) run on gpt2-tiny (../shared/golden/lre).</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class PaperReferenceTests
{
    private static readonly string Reference = Path.Combine(TestPaths.Golden("lre"), "gpt2-tiny_country-capital-city_layer2");

    [Fact]
    public void WeightBiasAndPredictionsMatchThePapersCode()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Reference + ".json"));
        var root = json.RootElement;
        var trainSubjects = root.GetProperty("train_samples").EnumerateArray().Select(p => p[0].GetString()!).ToList();
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var relation = RelationDataset.Load(TestPaths.Relations).Find(root.GetProperty("relation").GetString()!);
        var split = relation.WithTrainSubjects(trainSubjects);
        using var scope = torch.NewDisposeScope();
        using var lre = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplates[0], split.Train.Samples,
            LayerRef.At(root.GetProperty("h_layer").GetInt32()), root.GetProperty("beta").GetDouble());

        Assert.Equal(root.GetProperty("icl_prompt_template").GetString(), lre.Info.PromptTemplate);
        using var reference = CheckpointLoader.Open(Reference + ".safetensors");
        var w = reference.Load("weight", ScalarType.Float32);
        var b = reference.Load("bias", ScalarType.Float32).reshape(-1);
        double wErr = ((lre.Weight - w).norm() / w.norm()).item<float>();
        double bErr = ((lre.Bias - b).norm() / b.norm()).item<float>();
        Assert.True(wErr < 1e-4, $"W relative Frobenius error {wErr:E2}");
        Assert.True(bErr < 1e-4, $"b relative error {bErr:E2}");

        var tests = root.GetProperty("test").EnumerateArray().ToList();
        Assert.Equal(root.GetProperty("n_test").GetInt32(), tests.Count);
        var samples = tests.Select(t => new RelationSample(t.GetProperty("subject").GetString()!, t.GetProperty("object").GetString()!)).ToList();
        var prompts = samples.Select(s => SubjectPrompt.Create(lm, IclPrompt.FillQuery(lre.Info.PromptTemplate, s.Subject), s.Subject)).ToList();
        using var states = PromptStates.Read(lm, prompts, [lre.Layer], topK: 3); // left-padded batches WITH position ids
        var faith = Faithfulness.Evaluate(lm, lre, states.H(lre.Layer), states, samples);
        for (int i = 0; i < tests.Count; i++)
        {
            var expectedLre = tests[i].GetProperty("lre_topk").EnumerateArray().Select(x => x.GetString()).ToArray();
            var expectedLm = tests[i].GetProperty("lm_topk_unpadded").EnumerateArray().Select(x => x.GetString()).ToArray();
            Assert.Equal(expectedLre, faith.Samples[i].Predicted);
            Assert.Equal(expectedLm, states.LmTopIds[i].Select(lm.Tokenizer.Decode).ToArray());
        }
        double agreement = faith.Samples.Select((s, i) => s.Predicted[0] == lm.Tokenizer.Decode(states.LmTopIds[i][0]) ? 1.0 : 0.0).Average();
        Assert.Equal(root.GetProperty("faithfulness_lre_top1_eq_unpadded_lm_top1").GetDouble(), agreement, 6);
    }

    [Fact]
    public void SavedLreRoundTripsAndRefusesAnotherModel()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var train = relation.Samples.Take(3).ToList();
        using var lre = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplates[0], train, LayerRef.At(1), 2.25);
        var prefix = Path.Combine(TestPaths.NewTempDir("lre-save"), "capital");
        LinearRelationFile.Save(lre, prefix);
        using (var back = LinearRelationFile.Load(prefix, lm))
        {
            Assert.Equal(0f, (back.Weight - lre.Weight).abs().max().item<float>());
            Assert.Equal(0f, (back.Bias - lre.Bias).abs().max().item<float>());
            Assert.Equal(lre.Beta, back.Beta);
            Assert.Equal(lre.Layer, back.Layer);
            Assert.Equal(lre.Info.PromptTemplate, back.Info.PromptTemplate);
        }
        // the same architecture with a different final norm decodes residual vectors differently
        using var other = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        using (torch.no_grad()) ((Relens.Models.Gpt2.Gpt2Model)other.Model).transformer.ln_f.weight.mul_(1.5);
        var e = Assert.Throws<RelensException>(() => LinearRelationFile.Load(prefix, other));
        Assert.Contains("another model", e.Message);
        Assert.Contains("capital.json", e.Message);
    }
}
