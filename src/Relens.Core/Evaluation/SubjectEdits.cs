using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>
/// Runs prompts with their subject state at one layer edited (vectors added or substituted at the subject's
/// last token), in left-padded batches, and returns each edited prompt's top-1 next token — one greedy token,
/// as the paper's edit does.
/// </summary>
public static class SubjectEdits
{
    public enum Mode { Add, Replace }

    public static int[] Top1(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts, LayerRef layer, Tensor vectors, Mode mode, int batchSize = 16)
    {
        using var set = PromptSet.Create(lm, prompts);
        return Top1(set, layer, vectors, mode, batchSize);
    }

    /// <summary>As above on a <see cref="PromptSet"/>, whose shared start is computed once for any number of edits.</summary>
    public static int[] Top1(PromptSet set, LayerRef layer, Tensor vectors, Mode mode, int batchSize = 16)
    {
        if (vectors.shape[0] != set.Count) throw new ArgumentException($"{vectors.shape[0]} edit vectors for {set.Count} prompts");
        var model = set.Lm.Model;
        var result = new int[set.Count];
        using var noGrad = torch.no_grad();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(batchSize, set.Count - start);
            var edit = vectors.narrow(0, start, count);
            var columns = set.SubjectColumns(start, count);
            using var hook = model.Hook(layer.HookName).Add(mode == Mode.Add ? HookEdits.AddAt(columns, edit) : HookEdits.ReplaceAt(columns, edit));
            var (output, _) = set.Run(start, count, LogitsAt.Last);
            var top = output.Logits!.argmax(-1).data<long>().ToArray();
            for (int r = 0; r < count; r++) result[start + r] = (int)top[r];
        }
        return result;
    }
}
