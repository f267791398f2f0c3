using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// The reference way to the LRE's per-prompt Jacobian, by autograd, for any architecture:
/// the prefix before the subject token runs once into a KV cache; the suffix (subject token … end) is
/// replicated B times along the batch dimension, each replica's h is a separate leaf, and one backward
/// pass with one-hot output gradients yields B rows of J at once. It pays a B-replica forward pass on top
/// of the backward (all replicas compute the same thing), which <see cref="LinearizedJacobian"/> avoids.
/// </summary>
public static class ReplicatedJacobian
{
    public static SubjectJacobianResult Compute(TransformerLM model, SubjectPrompt prompt, LayerRef layer, JacobianOptions? options = null)
    {
        options ??= JacobianOptions.Default;
        layer.Validate(model);
        using var scope = torch.NewDisposeScope();
        var forwardClock = System.Diagnostics.Stopwatch.StartNew();
        int subject = prompt.SubjectIndex, total = prompt.Tokens.Count;
        var ids = torch.tensor(prompt.Tokens.Ids.Select(i => (long)i).ToArray(), [1, total], ScalarType.Int64);

        // 1. prefix (tokens before the subject's last token): h cannot influence it, so it is cached once.
        KvCache? prefix = null;
        try
        {
            using (torch.no_grad())
            {
                if (subject > 0)
                    prefix = model.Forward(new ForwardInput { InputIds = ids.narrow(1, 0, subject), ReturnCache = true, Logits = LogitsAt.None }).Cache;

                // 2. suffix once, recording the layer-ℓ states of the suffix tokens: [1, S, d]
                var suffixIds = ids.narrow(1, subject, total - subject);
                using var capture = new ActivationCapture(model.HookPoints, [layer.HookName]);
                var z0 = model.Forward(new ForwardInput { InputIds = suffixIds, Past = prefix, Logits = LogitsAt.None })
                    .LastBlockOutput.select(0, 0).select(0, -1);
                var states = capture[layer.HookName].clone(); // [1, S, d], now in this scope
                var h = states.select(0, 0).select(0, 0);
                double forwardSeconds = forwardClock.Elapsed.TotalSeconds;

                // 3. rows of J in chunks of B replicas
                long d = model.HiddenSize, suffix = total - subject;
                int chunk = options.ChunkSize ?? ChunkFor(model, layer, suffix, subject, options.MemoryBudgetBytes);
                var jacobian = torch.zeros(d, d, dtype: ScalarType.Float32);
                for (long start = 0; start < d; start += chunk)
                {
                    long rows = Math.Min(chunk, d - start);
                    using var chunkScope = torch.NewDisposeScope();
                    using var enableGrad = torch.enable_grad();
                    using var replicas = prefix?.Repeat(rows);
                    var block = Rows(model, layer, states, rows, start, replicas);
                    jacobian.narrow(0, start, rows).copy_(block);
                }
                return new SubjectJacobianResult(
                    jacobian.MoveToOuterDisposeScope(),
                    h.to(ScalarType.Float32).MoveToOuterDisposeScope(),
                    z0.to(ScalarType.Float32).MoveToOuterDisposeScope()) { ForwardSeconds = forwardSeconds };
            }
        }
        finally { prefix?.Dispose(); }
    }

    /// <summary>Rows start..start+rows−1 of J: ∂z_k/∂h for each k, from one backward pass over <paramref name="rows"/> replicas.</summary>
    private static Tensor Rows(TransformerLM model, LayerRef layer, Tensor states, long rows, long start, KvCache? past)
    {
        long suffix = states.shape[1], d = states.shape[2];
        var h = states.select(1, 0).expand(rows, d).clone().requires_grad_(true);            // [B, d] leaves
        var rest = states.narrow(1, 1, suffix - 1).expand(rows, suffix - 1, d);              // constants
        var x = torch.cat([h.unsqueeze(1), rest], 1);                                         // [B, S, d]
        var ctx = model.Context(rows, suffix, past, null, null, null);
        if (layer.IsEmbedding) x = model.ResidualFromEmbedding(x, ctx.PositionIds);
        var z = model.RunBlocks(x, layer.NextBlock, ctx).select(1, -1);                      // [B, d]
        var directions = torch.eye(d, dtype: z.dtype).narrow(0, start, rows);                // one-hot rows
        var grads = torch.autograd.grad([z], [h], [directions], allow_unused: true);
        // At the last layer z cannot depend on the subject position's state: J = 0.
        return grads[0] is { } g && !g.IsInvalid ? g.to(ScalarType.Float32) : torch.zeros(rows, d);
    }

    /// <summary>Replicas per chunk so that the saved activations stay within the budget.</summary>
    private static int ChunkFor(TransformerLM model, LayerRef layer, long suffix, long prefix, long budget)
    {
        long blocks = Math.Max(1, model.NumLayers - layer.NextBlock);
        long d = model.HiddenSize;
        // per replica and block: ~40 d-sized vectors per token (norms, qkv, MLP 4d in and out, residuals)
        // plus attention scores and probabilities over (prefix + suffix) keys, 4 bytes each
        long perReplica = 4 * blocks * suffix * (40 * d + 4 * (prefix + suffix) * 16);
        return (int)Math.Clamp(budget / Math.Max(1, perReplica), 1, d);
    }
}
