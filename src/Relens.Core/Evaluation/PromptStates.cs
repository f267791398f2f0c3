using Relens.Relations;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>
/// What evaluation reads from a set of prompts in left-padded batches: h at the subject's last token for
/// each requested layer, z (last block, last token, before the final norm) and the LM's own top-k next
/// tokens. Float32 tensors owned by this object.
/// </summary>
public sealed class PromptStates : IDisposable
{
    private readonly Dictionary<LayerRef, Tensor> _h;

    private PromptStates(Dictionary<LayerRef, Tensor> h, Tensor z, int[][] lmTop)
    {
        _h = h;
        Z = z;
        LmTopIds = lmTop;
    }

    /// <summary>[N, d] subject states at <paramref name="layer"/>.</summary>
    public Tensor H(LayerRef layer) => _h.TryGetValue(layer, out var t) ? t
        : throw new ArgumentException($"layer {layer} was not read");

    /// <summary>[N, d] last block output at the last token.</summary>
    public Tensor Z { get; }

    /// <summary>The LM's top-k next-token ids per prompt.</summary>
    public int[][] LmTopIds { get; }

    public static PromptStates Read(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts, IReadOnlyCollection<LayerRef> layers,
        int topK = 3, int batchSize = 16)
    {
        var model = lm.Model;
        foreach (var l in layers) l.Validate(model);
        var hParts = layers.ToDictionary(l => l, _ => new List<Tensor>());
        var zParts = new List<Tensor>();
        var top = new List<int[]>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            var slice = prompts.Skip(start).Take(batchSize).ToList();
            var batch = PromptBatch.FromEncodings(slice.Select(p => p.Tokens).ToArray(), lm.Tokenizer.EosTokenId ?? 0);
            using var capture = new ActivationCapture(model.HookPoints, layers.Select(l => l.HookName).Distinct());
            var output = model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = batch.PaddingMask, Logits = LogitsAt.Last });
            var rows = torch.arange(slice.Count, dtype: ScalarType.Int64);
            var subjectCols = torch.tensor(slice.Select((p, r) => batch.Column(r, p.SubjectIndex)).ToArray(), dtype: ScalarType.Int64);
            foreach (var l in layers)
                hParts[l].Add(capture[l.HookName].index(rows, subjectCols).to(ScalarType.Float32));
            zParts.Add(output.LastBlockOutput.select(1, -1).to(ScalarType.Float32));
            var ids = output.Logits!.topk(topK, -1).indexes;
            for (int r = 0; r < slice.Count; r++)
                top.Add(ids[r].data<long>().Select(x => (int)x).ToArray());
        }
        var h = hParts.ToDictionary(kv => kv.Key, kv => torch.cat(kv.Value, 0).DetachFromDisposeScope());
        return new PromptStates(h, torch.cat(zParts, 0).DetachFromDisposeScope(), top.ToArray());
    }

    public void Dispose()
    {
        foreach (var t in _h.Values) t.Dispose();
        Z.Dispose();
    }
}
