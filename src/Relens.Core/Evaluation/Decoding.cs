using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>Decoding residual vectors the paper's way: softmax(lm_head(final_norm(v))), top-k token ids.</summary>
public static class Decoding
{
    /// <summary>Top-k token ids and probabilities (float32 softmax) for each row of <paramref name="vectors"/> [N, d].</summary>
    public static (int[][] Ids, float[][] Probabilities) TopK(TransformerLM model, Tensor vectors, int k)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var logits = model.Decode(vectors.to(model.DType)).to(ScalarType.Float32);
        var probs = nn.functional.softmax(logits, -1);
        var (values, indices) = probs.topk(k, -1);
        int n = (int)vectors.shape[0];
        var ids = new int[n][];
        var ps = new float[n][];
        for (int r = 0; r < n; r++)
        {
            ids[r] = indices[r].data<long>().Select(x => (int)x).ToArray();
            ps[r] = values[r].data<float>().ToArray();
        }
        return (ids, ps);
    }
}
