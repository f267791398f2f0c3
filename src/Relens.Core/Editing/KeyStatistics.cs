using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>
/// ROME's second moment of the keys, C = E[k kᵀ] over every token of a text, with k the MLP's hidden activation
/// of one block (blocks.ℓ.mlp.hook_post), in float64. Memory: one batch of activations plus C.
/// </summary>
public static class KeyStatistics
{
    public static (Tensor C, long Count) Estimate(LanguageModel lm, int block, IEnumerable<string> documents,
        long maxTokens = 100_000, int blockSize = 128, int batchSize = 8)
    {
        var hook = HookNames.MlpPost(block);
        if (lm.Model.MlpOutputProjection(block) is null)
            throw new RelensException($"model_type '{lm.ModelType}': rank-one MLP edits need an MLP whose output is added to the residual stream as it is " +
                "(gpt2, gpt_neo, llama/mistral, qwen2/qwen3, gemma, phi3; not gemma2's or olmo2's post-norm blocks); use --layer emb");
        var blocks = TokenStream.Blocks(lm, documents, Math.Min(blockSize, MaxPositions(lm)), maxTokens);
        if (blocks.Count == 0) throw new RelensException("the text for the key statistics is empty");
        Tensor? sum = null;
        long count = 0;
        using var noGrad = torch.no_grad();
        foreach (var batch in blocks.OrderBy(b => b.Length).Chunk(batchSize))
        {
            using var scope = torch.NewDisposeScope();
            foreach (var group in batch.GroupBy(b => b.Length))
            {
                var ids = torch.tensor(group.SelectMany(b => b).ToArray(), [group.Count(), group.Key], ScalarType.Int64);
                using var capture = new ActivationCapture(lm.Model.HookPoints, [hook]);
                lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.None });
                var k = capture[hook].reshape(-1, capture[hook].shape[^1]).to(ScalarType.Float64);
                var kk = torch.matmul(k.t(), k);
                if (sum is null) sum = kk.DetachFromDisposeScope();
                else sum.add_(kk);
                count += k.shape[0];
            }
        }
        using (sum) return ((sum! / count).MoveToOuterDisposeScope(), count);
    }

    internal static int MaxPositions(LanguageModel lm) => lm.Config.IntOr(2048, "n_positions", "max_position_embeddings");
}
