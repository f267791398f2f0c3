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

    /// <param name="progress">(prompts read, total) after each batch, for long test sets.</param>
    public static PromptStates Read(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts, IReadOnlyCollection<LayerRef> layers,
        int topK = 3, int batchSize = 16, Action<int, int>? progress = null)
    {
        using var set = PromptSet.Create(lm, prompts);
        return Read(set, layers, topK, batchSize, progress);
    }

    public static PromptStates Read(PromptSet set, IReadOnlyCollection<LayerRef> layers, int topK = 3, int batchSize = 16, Action<int, int>? progress = null)
    {
        var model = set.Lm.Model;
        foreach (var l in layers) l.Validate(model);
        var hParts = layers.ToDictionary(l => l, _ => new List<Tensor>());
        var zParts = new List<Tensor>();
        var top = new List<int[]>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            // each batch's logits [B, V], hidden states and captures are freed before the next: only the d-sized
            // rows below outlive it, so memory grows with N·d, not N·V
            using var batchScope = torch.NewDisposeScope();
            int count = Math.Min(batchSize, set.Count - start);
            using var capture = new ActivationCapture(model.HookPoints, layers.Select(l => l.HookName).Distinct());
            var (output, columns) = set.Run(start, count, LogitsAt.Last);
            var rows = torch.arange(count, dtype: ScalarType.Int64);
            var subjectCols = torch.tensor(columns, dtype: ScalarType.Int64);
            foreach (var l in layers)
                hParts[l].Add(capture[l.HookName].index(rows, subjectCols).to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope());
            zParts.Add(output.LastBlockOutput.select(1, -1).to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope());
            var ids = output.Logits!.topk(topK, -1).indexes;
            for (int r = 0; r < count; r++)
                top.Add(ids[r].data<long>().Select(x => (int)x).ToArray());
            progress?.Invoke(start + count, set.Count);
        }
        long d = model.HiddenSize;
        Tensor Join(List<Tensor> parts) => (parts.Count > 0 ? torch.cat(parts, 0) : torch.zeros(0, d)).DetachFromDisposeScope();
        var h = hParts.ToDictionary(kv => kv.Key, kv => Join(kv.Value));
        return new PromptStates(h, Join(zParts), top.ToArray());
    }

    public void Dispose()
    {
        foreach (var t in _h.Values) t.Dispose();
        Z.Dispose();
    }
}
