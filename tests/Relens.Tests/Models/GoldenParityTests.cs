using Relens.Inspection;
using Relens.Models;

namespace Relens.Tests.Models;

/// <summary>Relens's forward pass against Hugging Face transformers' outputs on the same checkpoint files.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class GoldenParityTests
{
    public static TheoryData<string> Models => new() { "gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny", "qwen2-tiny", "gemma2-tiny", "phi3-tiny" };

    [Theory]
    [MemberData(nameof(Models))]
    public void MatchesHuggingFace(string name)
    {
        var golden = GoldenFile.Load(name);
        using var lm = LanguageModel.Load(golden.ModelDir);
        Assert.NotEmpty(golden.Results);
        foreach (var g in golden.Results)
        {
            var r = Inspector.Inspect(lm, g.Prompt, null, 10);
            Assert.Equal(g.InputIds, r.input_ids);
            Assert.Equal(g.TopIds, r.last_logits_topk_ids);
            for (int i = 0; i < g.TopValues.Length; i++)
                Assert.True(Math.Abs(g.TopValues[i] - r.last_logits_topk_values[i]) <= 1e-4,
                    $"{name} '{g.Prompt}': top logit {i} {r.last_logits_topk_values[i]} vs HF {g.TopValues[i]}");
            Assert.True(Math.Abs(g.LogSumExp - r.last_logits_logsumexp) <= 1e-4, $"logsumexp {r.last_logits_logsumexp} vs {g.LogSumExp}");
            Assert.Equal(g.GreedyId, r.greedy_next_token_id);
            Assert.Equal(g.Hidden.Keys.Order(), r.hidden_states_last_pos.Keys);
            foreach (var (k, expected) in g.Hidden)
            {
                var actual = r.hidden_states_last_pos[k];
                double maxDiff = expected.Select((e, i) => Math.Abs(e - actual[i])).Max();
                Assert.True(maxDiff <= 1e-4, $"{name} '{g.Prompt}': hidden_states[{k}] differs by {maxDiff:E2}");
            }
        }
    }
}
