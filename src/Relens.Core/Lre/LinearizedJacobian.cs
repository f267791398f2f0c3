using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// ∂z/∂h for any set of layers of each of several prompts. The prompts run ONCE, together, as one left-padded
/// batch at inference cost, recording block tapes for each prompt's suffix (subject token … end): h at the
/// subject cannot influence earlier positions, so they are constants. Then, per prompt, B one-hot cotangents at
/// z flow back through the blocks; after block ℓ+1's VJP the cotangent at the subject position is ∂z/∂h_ℓ
/// (rows start..start+B of J_ℓ), so every requested layer is read off on the way down and a full layer sweep
/// costs one pass through all blocks.
/// </summary>
internal static class LinearizedJacobian
{
    /// <summary>Calls <paramref name="consume"/>(i, result) for each prompt in order; the result's tensors are
    /// disposed when it returns.</summary>
    public static void Compute(TransformerLM model, IJacobianBlocks blocks, IReadOnlyList<SubjectPrompt> prompts,
        IReadOnlyList<LayerRef> layers, JacobianOptions options, Action<int, SubjectJacobians> consume)
    {
        int group = Math.Max(1, options.RecordBatchSize);
        for (int start = 0; start < prompts.Count; start += group)
        {
            using var scope = torch.NewDisposeScope();
            var slice = prompts.Skip(start).Take(group).ToList();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var recorded = Record(model, blocks, slice, layers);
            double forwardShare = clock.Elapsed.TotalSeconds / slice.Count;
            for (int i = 0; i < slice.Count; i++)
            {
                using var promptScope = torch.NewDisposeScope();
                consume(start + i, Backward(model, blocks, recorded[i], layers, options) with { ForwardSeconds = forwardShare });
            }
        }
    }

    /// <summary>One prompt's recorded forward pass: its tapes (null below the first block needed), h per layer and z.</summary>
    private sealed record Recorded(IBlockTape?[] Tapes, Dictionary<LayerRef, Tensor> H, Tensor Z, long Suffix, long Keys);

    /// <summary>The prompts' forward pass at batch P (left padding, positions from the mask), recording tapes.
    /// Tapes, h and z live in the caller's dispose scope (the blocks free their own temporaries).</summary>
    private static Recorded[] Record(TransformerLM model, IJacobianBlocks blocks, IReadOnlyList<SubjectPrompt> prompts, IReadOnlyList<LayerRef> layers)
    {
        using var noGrad = torch.no_grad();
        var batch = PromptBatch.FromEncodings(prompts.Select(p => p.Tokens).ToArray(), padId: 0);
        long n = batch.Length;
        var ctx = model.Context(batch.Count, n, null, batch.PaddingMask, null, null);
        // the suffix of prompt p starts at its subject token's column
        var from = prompts.Select((p, i) => batch.Column(i, p.SubjectIndex)).ToArray();
        int first = layers.Min(l => l.NextBlock);
        var tapes = prompts.Select(_ => new IBlockTape?[model.NumLayers]).ToArray();
        var h = prompts.Select(_ => new Dictionary<LayerRef, Tensor>()).ToArray();
        Tensor x;
        using (var capture = new ActivationCapture(model.HookPoints, [HookNames.Embed]))
        {
            x = model.Embed(batch.InputIds, ctx.PositionIds);
            if (layers.Contains(LayerRef.Embedding)) ReadH(h, LayerRef.Embedding, capture[HookNames.Embed], from);
        }
        var none = from.Select(_ => n).ToArray();
        for (int l = 0; l < model.NumLayers; l++)
        {
            var input = x;
            var recorded = blocks.Record(l, input, ctx, l >= first ? from : none, out x);
            input.Dispose(); // tapes keep what they need; the batch's residual stream is large for big models
            for (int p = 0; p < prompts.Count; p++) tapes[p][l] = recorded[p];
            if (layers.Contains(LayerRef.At(l))) ReadH(h, LayerRef.At(l), x, from);
        }
        return prompts.Select((p, i) => new Recorded(tapes[i], h[i], x[i, -1].to(ScalarType.Float32).clone(), n - from[i], p.Tokens.Count)).ToArray();
    }

    private static void ReadH(Dictionary<LayerRef, Tensor>[] h, LayerRef layer, Tensor states, long[] columns)
    {
        for (int p = 0; p < h.Length; p++) h[p][layer] = states[p, columns[p]].to(ScalarType.Float32).clone();
    }

    /// <summary>B rows of every requested J per backward sweep through one prompt's tapes.</summary>
    private static SubjectJacobians Backward(TransformerLM model, IJacobianBlocks blocks, Recorded r, IReadOnlyList<LayerRef> layers, JacobianOptions options)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        int numLayers = model.NumLayers, first = layers.Min(l => l.NextBlock);
        long d = model.HiddenSize;
        var jacobians = layers.Distinct().ToDictionary(l => l, _ => torch.zeros(d, d, dtype: ScalarType.Float32));
        int chunk = options.ChunkSize ?? ChunkFor(model, r.Suffix, r.Keys, options.MemoryBudgetBytes);
        for (long start = 0; start < d; start += chunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            long rows = Math.Min(chunk, d - start);
            // one-hot directions at z (last token only): [B, 1, d]
            var g = torch.eye(d, dtype: model.DType).narrow(0, start, rows).unsqueeze(1);
            Read(jacobians, LayerRef.At(numLayers - 1), start, r.Suffix == 1 ? g : null); // z is h itself iff the subject is last
            for (int l = numLayers - 1; l >= first; l--)
            {
                var next = r.Tapes[l]!.Backward(g);
                g.Dispose(); // one block's cotangents at a time: the chunk's memory does not grow with depth
                g = next;
                Read(jacobians, l > 0 ? LayerRef.At(l - 1) : LayerRef.Embedding, start, l > 0 ? g : blocks.EmbeddingBackward(g));
            }
        }
        return new SubjectJacobians(
            jacobians.ToDictionary(kv => kv.Key, kv => kv.Value.MoveToOuterDisposeScope()),
            r.H, r.Z);
    }

    /// <summary>Rows start.. of J_layer from the cotangent at the subject position (position 0 of the suffix); null = zero.</summary>
    private static void Read(Dictionary<LayerRef, Tensor> jacobians, LayerRef layer, long start, Tensor? g)
    {
        if (g is null || !jacobians.TryGetValue(layer, out var j)) return;
        j.narrow(0, start, g.shape[0]).copy_(g.select(1, 0));
    }

    /// <summary>
    /// Cotangent rows per chunk so the backward's working set stays within the budget: per row and suffix
    /// token about 16 d-sized vectors (the MLP's 4d cotangent, q|k|v, norm temporaries, head permutations)
    /// plus 4 score-sized vectors per head over all keys. The tapes are shared by all rows and not counted.
    /// </summary>
    internal static int ChunkFor(TransformerLM model, long suffix, long keys, long budgetBytes)
    {
        long d = model.HiddenSize, heads = Math.Max(1, d / 64); // head_dim is 64–256 in the GPT-2/J/NeoX/LLaMA families
        long perRow = ElementBytes(model.DType) * suffix * (16L * d + 4L * heads * keys);
        return (int)Math.Clamp(budgetBytes / Math.Max(1, perRow), 1, d);
    }

    internal static long ElementBytes(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        _ => 4,
    };
}
