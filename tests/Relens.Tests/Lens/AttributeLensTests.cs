using Relens.Lens;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Tests.Lre;
using TorchSharp;

namespace Relens.Tests.Lens;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class AttributeLensTests
{
    [Fact]
    public void LogitLensAtTheLastLayerIsTheModelsOwnPrediction()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        const string prompt = "The capital city of France is";
        var lens = AttributeLens.Run(lm, prompt, null, topK: 5);
        Assert.Equal(lm.Model.NumLayers + 1, lens.Layers.Length);
        Assert.Equal("emb", lens.Layers[0]);
        Assert.Equal(lm.Tokenizer.Encode(prompt).Count, lens.Tokens.Length);
        var golden = Relens.Tests.Models.GoldenFile.Load("gpt2-tiny").Results.First(r => r.Prompt == prompt);
        var last = lens.Cells[^1][^1];
        Assert.Equal(golden.TopIds.Take(5), last.TokenIds);     // HF's own top-5 next tokens
        Assert.True(last.Probabilities.Zip(last.Probabilities.Skip(1)).All(p => p.First >= p.Second));
    }

    [Fact]
    public void LreLensReadsTheAttributeAtTheSubjectToken()
    {
        // On the exactly linear model the LRE applied at the subject's token (layer emb) decodes to the object
        var (lm, _) = LinearWorld.Build();
        using var _lm = lm;
        const string template = "The capital city of {} is";
        var facts = LinearWorld.Facts(lm, template);
        using var lre = LreEstimator.Estimate(lm, "linear", template, facts.Take(6).ToList(), LayerRef.Embedding, 1.0);
        var test = facts.Skip(6).First();
        var prompt = IclPrompt.FillQuery(lre.Info.PromptTemplate, test.Subject);
        var lens = AttributeLens.Run(lm, prompt, lre, topK: 3);
        var subjectColumn = SubjectPrompt.Create(lm, prompt, test.Subject).SubjectIndex;
        Assert.True(PrefixMatch.IsNontrivialPrefix(lens.Cells[0][subjectColumn].Tokens[0], test.Object),
            $"lens at (emb, '{lens.Tokens[subjectColumn]}') reads '{lens.Cells[0][subjectColumn].Tokens[0]}', expected '{test.Object}'");
    }

    [Fact]
    public void EstimatingAndEvaluatingLeavesNoLiveTensors()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var samples = RelationDataset.Load(TestPaths.Relations).Find("country capital city").Samples.Take(3).ToList();
        void Once()
        {
            using var lre = LreEstimator.Estimate(lm, "capital", "The capital city of {} is", samples, LayerRef.At(1), 2.25);
            AttributeLens.Run(lm, "The capital city of Peru is", lre, 3);
        }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
