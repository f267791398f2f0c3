using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// Rotary attention of one prompt's suffix — RoPE on q and k, then <see cref="AttentionTape"/> (grouped-query heads
/// included) — with its VJP down to the q, k and v projections' outputs, and from there through the projection
/// weights to the attention's input. Shared by every rotary family (LLaMA/Mistral, the shared decoder, GPT-J, NeoX).
/// </summary>
internal sealed class RotaryAttentionTape
{
    private readonly AttentionTape _attention;
    private readonly RotaryEmbedding _rotary;
    private readonly Tensor _cos, _sin; // [1, T, 1, r]: broadcast over cotangents [B, T, heads, hd]

    private RotaryAttentionTape(AttentionTape attention, RotaryEmbedding rotary, Tensor cos, Tensor sin)
    {
        _attention = attention; _rotary = rotary; _cos = cos; _sin = sin;
    }

    /// <summary>
    /// q [P, H, N, hd], k and v [P, Hkv, N, hd] before RoPE (the model's own projections); <paramref name="ctx"/> carries
    /// the mask the model's attention uses (sliding windows applied). <paramref name="scoresInModelDtype"/>: LLaMA's family
    /// casts the rotated q and k back to v's dtype, GPT-J and NeoX keep them in float32. Tapes per prompt as
    /// <see cref="AttentionTape.Record"/>; <paramref name="output"/> is [P, N, H·hd].
    /// </summary>
    public static RotaryAttentionTape?[] Record(RotaryEmbedding rotary, bool scoresInModelDtype, Tensor q, Tensor k, Tensor v,
        AttentionContext ctx, int layer, double scale, long[] from, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var (rq, rk) = rotary.Apply(q, k, ctx.PositionIds);
        if (scoresInModelDtype) { rq = rq.to(v.dtype); rk = rk.to(v.dtype); }
        var attention = AttentionTape.Record(rq, rk, v, ctx, layer, scale, from, out var attended);
        output = attended.MoveToOuterDisposeScope();
        long n = q.shape[2];
        var type = AttentionKernel.SoftmaxType(q.dtype);
        return from.Select((f, p) =>
        {
            if (f == n) return null;
            var (cos, sin) = rotary.CosSin(ctx.PositionIds[p].narrow(0, f, n - f).unsqueeze(0), type);   // [1, 1, T, r]
            return new RotaryAttentionTape(attention[p]!.MoveToOuterDisposeScope(), rotary,
                cos.transpose(1, 2).contiguous().MoveToOuterDisposeScope(), sin.transpose(1, 2).contiguous().MoveToOuterDisposeScope());
        }).ToArray();
    }

    public RotaryAttentionTape MoveToOuterDisposeScope()
    {
        _attention.MoveToOuterDisposeScope();
        _cos.MoveToOuterDisposeScope();
        _sin.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>
    /// <paramref name="gOut"/> [B, t, H·hd] (cotangents of the last t positions' attention outputs) → in the model dtype,
    /// contiguous: q [B, t, H·hd] for those t positions, k and v [B, T, Hkv·hd] for all T suffix positions, each the
    /// cotangent of the projection's output before RoPE.
    /// </summary>
    public (Tensor Q, Tensor K, Tensor V) Backward(Tensor gOut)
    {
        using var scope = torch.NewDisposeScope();
        var (gq, gk, gv) = _attention.Backward(gOut);                    // [B, t|T, heads, hd]
        long b = gOut.shape[0], t = gq.shape[1], T = gk.shape[1], rows = _cos.shape[1];
        var q = _rotary.RotateBack(gq, _cos.narrow(1, rows - t, t), _sin.narrow(1, rows - t, t)).to(gOut.dtype);
        var k = _rotary.RotateBack(gk, _cos.narrow(1, rows - T, T), _sin.narrow(1, rows - T, T)).to(gOut.dtype);
        return (q.reshape(b, t, -1).MoveToOuterDisposeScope(), k.reshape(b, T, -1).MoveToOuterDisposeScope(),
            gv.reshape(b, T, -1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <see cref="Backward"/>, then through q = x·W_qᵀ (+b), k, v ([out, in] weights) to the attention's input x:
    /// [B, T, d], where only the last t positions get the query term (earlier queries carry no cotangent).
    /// </summary>
    public Tensor BackwardToInput(Tensor gOut, Tensor wq, Tensor wk, Tensor wv)
    {
        using var scope = torch.NewDisposeScope();
        var (gq, gk, gv) = Backward(gOut);
        long b = gk.shape[0], T = gk.shape[1], t = gq.shape[1];
        var gx = torch.matmul(gk, wk);
        gx.view(b * T, -1).addmm_(gv.view(b * T, -1), wv);
        if (t == T) gx.view(b * T, -1).addmm_(gq.view(b * T, -1), wq);
        else gx.narrow(1, T - t, t).add_(torch.matmul(gq, wq));
        return gx.MoveToOuterDisposeScope();
    }
}
