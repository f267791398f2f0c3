using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Scaled dot-product attention shared by every architecture: KV cache, GQA, masking, fp32 softmax.</summary>
public static class AttentionKernel
{
    /// <param name="q">[B, H, T, hd]</param>
    /// <param name="k">[B, Hkv, T, hd] keys of the new tokens (rotary already applied)</param>
    /// <param name="v">[B, Hkv, T, hd]</param>
    /// <returns>[B, T, H·hd]</returns>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, AttentionContext ctx, int layer, double scale)
    {
        using var scope = torch.NewDisposeScope();
        if (ctx.Past?.Get(layer) is var (pastK, pastV))
        {
            k = torch.cat([pastK.to(k.dtype), k], 2);
            v = torch.cat([pastV.to(v.dtype), v], 2);
        }
        ctx.Present?.Set(layer, k, v);
        long heads = q.shape[1], kvHeads = k.shape[1];
        if (kvHeads != heads)
        {
            // grouped-query attention: each KV head serves heads/kvHeads query heads
            k = k.repeat_interleave(heads / kvHeads, 1);
            v = v.repeat_interleave(heads / kvHeads, 1);
        }
        var softmaxType = SoftmaxType(q.dtype);
        var scores = torch.matmul(q, k.transpose(-1, -2)).to(softmaxType) * scale;         // [B, H, T, P+T]
        scores = scores + ctx.Mask.to(softmaxType);
        if (ctx.ScoreEdit is { } edit) scores = edit(layer, scores);                      // e.g. attention knockout
        var probs = nn.functional.softmax(scores, -1).to(v.dtype);
        var output = torch.matmul(probs, v);                                              // [B, H, T, hd]
        long b = output.shape[0], t = output.shape[2];
        return output.transpose(1, 2).reshape(b, t, heads * output.shape[3]).MoveToOuterDisposeScope();
    }

    /// <summary>Softmax runs in float32 at least (half-precision scores lose too much), in float64 for float64 models.</summary>
    public static ScalarType SoftmaxType(ScalarType dtype) => dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>[B, T, H·hd] → [B, H, T, hd]</summary>
    public static Tensor SplitHeads(Tensor x, long heads) =>
        x.view(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2);
}
