using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>Decoding residual vectors the paper's way: softmax(lm_head(final_norm(v))), top-k token ids.</summary>
public static class Decoding
{
    /// <summary>Top-k token ids and probabilities (float32 softmax) for each row of <paramref name="vectors"/> [N, d].</summary>
    public static (int[][] Ids, float[][] Probabilities) TopK(TransformerLM model, Tensor vectors, int k, int batchSize = 64)
    {
        int n = (int)vectors.shape[0];
        var ids = new int[n][];
        var ps = new float[n][];
        using var noGrad = torch.no_grad();
        // in batches: the [rows, V] logits of a whole test set would be O(N·V)
        for (int start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(batchSize, n - start);
            var logits = model.Decode(vectors.narrow(0, start, count).to(model.DType)).to(ScalarType.Float32);
            var probs = nn.functional.softmax(logits, -1);
            var (values, indices) = probs.topk(k, -1);
            for (int r = 0; r < count; r++)
            {
                ids[start + r] = indices[r].data<long>().Select(x => (int)x).ToArray();
                ps[start + r] = values[r].data<float>().ToArray();
            }
        }
        return (ids, ps);
    }
}
