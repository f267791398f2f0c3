using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>ROME's key k*: the MLP's hidden activation of one block at the subject's last token, averaged over contexts.</summary>
public static class SubjectKeys
{
    /// <summary>[m] float64: the mean key over <paramref name="prompts"/>.</summary>
    public static Tensor Mean(LanguageModel lm, int block, IReadOnlyList<SubjectPrompt> prompts) =>
        Read(lm, block, prompts).mean([0]);

    /// <summary>[N, m] float64: one key per prompt.</summary>
    public static Tensor Read(LanguageModel lm, int block, IReadOnlyList<SubjectPrompt> prompts, int batchSize = 16)
    {
        string hook = HookNames.MlpPost(block);
        var parts = new List<Tensor>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var set = PromptSet.Create(lm, prompts);
        for (int start = 0; start < set.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, set.Count - start);
            using var capture = new ActivationCapture(lm.Model.HookPoints, [hook]);
            var (_, columns) = set.Run(start, count, LogitsAt.None);
            if (!capture.Has(hook))
                throw new RelensException($"model_type '{lm.ModelType}' does not run {hook}: rank-one MLP edits support gpt2 and llama/mistral");
            parts.Add(capture[hook].index(torch.arange(count, dtype: ScalarType.Int64), torch.tensor(columns)).to(ScalarType.Float64));
        }
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
}
