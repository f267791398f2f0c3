using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// ∂z/∂h for any set of layers of each of several prompts. The prompts run ONCE, together, as one left-padded
/// batch at inference cost, recording block tapes for each prompt's suffix (subject token … end): h at the
/// subject cannot influence earlier positions, so they are constants. Then, per group of prompts (<see cref="TapeGroup"/>),
/// B one-hot cotangents per prompt at z flow back through the blocks together — the group's rows stacked, so a small
/// model's weight matmuls are P times taller; after block ℓ+1's VJP the cotangent at the subject position is ∂z/∂h_ℓ
/// (rows start..start+B of J_ℓ), so every requested layer is read off on the way down and a full layer sweep
/// costs one pass through all blocks.
/// </summary>
internal static class LinearizedJacobian
{
    /// <summary>
    /// Whole prompts' cotangent rows (P·d) a backward call stacks at most: at d = 256 one prompt's d rows × T = 2 tokens
    /// make [512 × 256] × [256 × 1024] weight products, which MKL runs at about 70 % of its 1024³ rate on this machine;
    /// 8 prompts make them [4096 × 256] × [256 × 1024], which run at or above it. On an idle machine the world model's
    /// steady-state Jacobian phase took 127 ms stacked against 139 ms one prompt per call (active OpenMP wait), and
    /// 151 ms against 230 ms (passive wait: fewer ops, fewer thread wake-ups); BENCHMARKS.md.
    /// </summary>
    public const int BatchedRows = 2048;

    /// <summary>Prompts are stacked only up to this width: from d = 513 on a prompt's own rows fill the matmuls, and
    /// GPT-2-small and larger keep one prompt per call (stacking measured no gain there, BENCHMARKS.md).</summary>
    public const int StackUpToDim = 512;

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
            var recorded = Record(model, blocks, slice, layers, options);
            double forwardShare = clock.Elapsed.TotalSeconds / slice.Count;
            foreach (var r in recorded)
            {
                using var groupScope = torch.NewDisposeScope();
                var results = Backward(model, blocks, r, layers, options);
                for (int i = 0; i < results.Length; i++)
                {
                    using var promptScope = torch.NewDisposeScope();
                    consume(start + (int)r.Group.First + i, results[i] with { ForwardSeconds = forwardShare });
                }
            }
        }
    }

    /// <summary>One group's recorded forward pass: its tapes (null below the first block needed), h per layer and z per
    /// prompt, the suffix length and key count.</summary>
    private sealed record Recorded(TapeGroup Group, IBlockTape?[] Tapes, Dictionary<LayerRef, Tensor>[] H, Tensor[] Z, long Suffix, long Keys);

    /// <summary>The prompts' forward pass at batch P (left padding, positions from the mask), recording tapes per group.
    /// Tapes, h and z live in the caller's dispose scope (the blocks free their own temporaries).</summary>
    private static Recorded[] Record(TransformerLM model, IJacobianBlocks blocks, IReadOnlyList<SubjectPrompt> prompts,
        IReadOnlyList<LayerRef> layers, JacobianOptions options)
    {
        using var noGrad = torch.no_grad();
        var batch = PromptBatch.FromEncodings(prompts.Select(p => p.Tokens).ToArray(), padId: 0);
        long n = batch.Length;
        var ctx = model.Context(batch.Count, n, null, batch.PaddingMask, null, null);
        // the suffix of prompt p starts at its subject token's column
        var from = prompts.Select((p, i) => batch.Column(i, p.SubjectIndex)).ToArray();
        var groups = TapeGroup.Plan(from, column => PromptsPerCall(model, n - column, n, options));
        int first = layers.Min(l => l.NextBlock);
        var tapes = groups.Select(_ => new IBlockTape?[model.NumLayers]).ToArray();
        var h = prompts.Select(_ => new Dictionary<LayerRef, Tensor>()).ToArray();
        Tensor x;
        using (var capture = new ActivationCapture(model.HookPoints, [HookNames.Embed]))
        {
            x = model.Embed(batch.InputIds, ctx.PositionIds);
            if (layers.Contains(LayerRef.Embedding)) ReadH(h, LayerRef.Embedding, capture[HookNames.Embed], from);
        }
        for (int l = 0; l < model.NumLayers; l++)
        {
            var input = x;
            var recorded = blocks.Record(l, input, ctx, l >= first ? groups : [], out x);
            input.Dispose(); // tapes keep what they need; the batch's residual stream is large for big models
            for (int g = 0; g < recorded.Length; g++) tapes[g][l] = recorded[g];
            if (layers.Contains(LayerRef.At(l))) ReadH(h, LayerRef.At(l), x, from);
        }
        var z = prompts.Select((_, i) => x[i, -1].to(ScalarType.Float32).clone()).ToArray();
        return groups.Select((g, i) => new Recorded(g, tapes[i], h.Skip((int)g.First).Take((int)g.Count).ToArray(),
            z.Skip((int)g.First).Take((int)g.Count).ToArray(), g.Tokens(n), n)).ToArray();
    }

    private static void ReadH(Dictionary<LayerRef, Tensor>[] h, LayerRef layer, Tensor states, long[] columns)
    {
        for (int p = 0; p < h.Length; p++) h[p][layer] = states[p, columns[p]].to(ScalarType.Float32).clone();
    }

    /// <summary>B rows of every requested J of each of the group's P prompts per backward sweep through its tapes:
    /// the P prompts' one-hot cotangents are stacked, [P·B, t, d], and go through every block together.</summary>
    private static SubjectJacobians[] Backward(TransformerLM model, IJacobianBlocks blocks, Recorded r, IReadOnlyList<LayerRef> layers, JacobianOptions options)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        int numLayers = model.NumLayers, first = layers.Min(l => l.NextBlock), prompts = (int)r.Group.Count;
        long d = model.HiddenSize;
        var jacobians = Enumerable.Range(0, prompts)
            .Select(p => layers.Distinct().ToDictionary(l => l, _ => torch.zeros(d, d, dtype: ScalarType.Float32))).ToArray();
        int chunk = RowsPerPrompt(model, r.Suffix, r.Keys, options);
        for (long start = 0; start < d; start += chunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            long rows = Math.Min(chunk, d - start);
            // one-hot directions at z (last token only), the same for every prompt: [P·B, 1, d]
            var g = torch.eye(d, dtype: model.DType).narrow(0, start, rows).unsqueeze(1);
            if (prompts > 1) g = g.repeat(prompts, 1, 1);
            Read(jacobians, LayerRef.At(numLayers - 1), start, rows, r.Suffix == 1 ? g : null); // z is h itself iff the subject is last
            for (int l = numLayers - 1; l >= first; l--)
            {
                var next = r.Tapes[l]!.Backward(g);
                g.Dispose(); // one block's cotangents at a time: the chunk's memory does not grow with depth
                g = next;
                Read(jacobians, l > 0 ? LayerRef.At(l - 1) : LayerRef.Embedding, start, rows, l > 0 ? g : blocks.EmbeddingBackward(g));
            }
        }
        return jacobians.Select((j, p) => new SubjectJacobians(
            j.ToDictionary(kv => kv.Key, kv => kv.Value.MoveToOuterDisposeScope()), r.H[p], r.Z[p])).ToArray();
    }

    /// <summary>Rows start.. of each prompt's J_layer from the cotangents at the subject position (position 0 of the
    /// suffix; prompt p's are rows p·<paramref name="rows"/>..); null = zero.</summary>
    private static void Read(Dictionary<LayerRef, Tensor>[] jacobians, LayerRef layer, long start, long rows, Tensor? g)
    {
        if (g is null || !jacobians[0].ContainsKey(layer)) return;
        var subject = g.select(1, 0);
        for (int p = 0; p < jacobians.Length; p++) jacobians[p][layer].narrow(0, start, rows).copy_(subject.narrow(0, p * rows, rows));
    }

    /// <summary>Rows of each prompt per call: the budget's rows (or <see cref="JacobianOptions.ChunkSize"/>), at most d.</summary>
    private static int RowsPerPrompt(TransformerLM model, long suffix, long keys, JacobianOptions options) =>
        (int)Math.Min(model.HiddenSize, options.ChunkSize ?? BudgetRows(model, suffix, keys, options.MemoryBudgetBytes));

    /// <summary>
    /// Prompts per backward call (<see cref="JacobianOptions.PromptsPerCall"/>): by default as many whole prompts (d rows
    /// each) as make about <see cref="BatchedRows"/> rows, while the call's P·B rows stay within the memory budget;
    /// one when even a prompt's rows need several chunks. Depends on the model, suffix, key count and options only.
    /// </summary>
    internal static int PromptsPerCall(TransformerLM model, long suffix, long keys, JacobianOptions options)
    {
        if (options.PromptsPerCall is { } fixedCount) return Math.Max(1, fixedCount);
        long d = model.HiddenSize;
        if (d > StackUpToDim) return 1;
        long budgetRows = options.ChunkSize ?? BudgetRows(model, suffix, keys, options.MemoryBudgetBytes);
        return (int)Math.Max(1, Math.Min(BatchedRows / d, budgetRows / RowsPerPrompt(model, suffix, keys, options)));
    }

    /// <summary>
    /// Cotangent rows one backward call may carry so its working set stays within the budget: per row and suffix
    /// token about 16 d-sized vectors (the MLP's 4d cotangent, q|k|v, norm temporaries, head permutations)
    /// plus 4 score-sized vectors per head over all keys. The tapes are shared by all rows and not counted, nor
    /// are the d × d Jacobians being filled (P per requested layer when P prompts share the call).
    /// </summary>
    private static long BudgetRows(TransformerLM model, long suffix, long keys, long budgetBytes)
    {
        long d = model.HiddenSize, heads = Math.Max(1, d / 64); // head_dim is 64–256 in the GPT-2/J/NeoX/LLaMA families
        long perRow = ElementBytes(model.DType) * suffix * (16L * d + 4L * heads * keys);
        return Math.Clamp(budgetBytes / Math.Max(1, perRow), 1, int.MaxValue);
    }

    internal static long ElementBytes(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        _ => 4,
    };
}
