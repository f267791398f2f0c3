using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Evaluation;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class PromptSetTests
{
    [Fact]
    public void SharedPrefixBatchesEqualSinglePromptRuns()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var train = relation.Samples.Take(4).ToList();
        var template = IclPrompt.Template(relation.PromptTemplates[0], train, lm.PromptPrefix);
        // subjects of different token lengths, so the tails are left-padded
        var subjects = new[] { "Peru", "United Kingdom", "Saudi Arabia", "Chile", "South Korea" };
        var prompts = subjects.Select(s => SubjectPrompt.Create(lm, IclPrompt.FillQuery(template, s), s)).ToList();
        using var set = PromptSet.Create(lm, prompts);
        Assert.True(set.PrefixLength > 20, "the n-shot examples are shared");
        var layer = LayerRef.At(1);
        using var states = PromptStates.Read(set, [layer], topK: 3, batchSize: 3);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int i = 0; i < prompts.Count; i++)
        {
            var p = prompts[i];
            using var capture = new ActivationCapture(lm.Model.HookPoints, [layer.HookName]);
            var ids = torch.tensor(p.Tokens.Ids.Select(x => (long)x).ToArray(), [1, p.Tokens.Count]);
            var single = lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.Last });
            var h = capture[layer.HookName].select(0, 0).select(0, p.SubjectIndex);
            Assert.True((h - states.H(layer)[i]).abs().max().item<float>() < 1e-4, $"h differs for {p.Subject}");
            Assert.True((single.LastBlockOutput.select(0, 0).select(0, -1) - states.Z[i]).abs().max().item<float>() < 1e-4, $"z differs for {p.Subject}");
            Assert.Equal(single.Logits!.topk(3, -1).indexes[0].data<long>().Select(x => (int)x).ToArray(), states.LmTopIds[i]);
        }
    }
}
