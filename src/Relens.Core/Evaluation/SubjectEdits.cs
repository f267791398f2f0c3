using Relens.Relations;
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
        if (vectors.shape[0] != prompts.Count) throw new ArgumentException($"{vectors.shape[0]} edit vectors for {prompts.Count} prompts");
        var model = lm.Model;
        var result = new int[prompts.Count];
        using var noGrad = torch.no_grad();
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var slice = prompts.Skip(start).Take(batchSize).ToList();
            var batch = PromptBatch.FromEncodings(slice.Select(p => p.Tokens).ToArray(), lm.Tokenizer.EosTokenId ?? 0);
            var columns = slice.Select((p, r) => batch.Column(r, p.SubjectIndex)).ToArray();
            var edit = vectors.narrow(0, start, slice.Count);
            using var hook = model.Hook(layer.HookName).Add(mode == Mode.Add ? HookEdits.AddAt(columns, edit) : HookEdits.ReplaceAt(columns, edit));
            var logits = model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = batch.PaddingMask, Logits = LogitsAt.Last }).Logits!;
            var top = logits.argmax(-1).data<long>().ToArray();
            for (int r = 0; r < slice.Count; r++) result[start + r] = (int)top[r];
        }
        return result;
    }
}
