using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// Rotary attention of a group of prompts' suffixes — RoPE on q and k, then <see cref="AttentionTape"/> (grouped-query heads
/// included) — with its VJP down to the q, k and v projections' outputs, and from there through the projection
/// weights to the attention's input. Shared by every rotary family (LLaMA/Mistral, the shared decoder, GPT-J, NeoX).
/// </summary>
internal sealed class RotaryAttentionTape
{
    private readonly AttentionTape _attention;
    private readonly RotaryEmbedding _rotary;
    private readonly Tensor _cos, _sin; // [P, 1, T, 1, r]: broadcast over cotangents [P, B, T, heads, hd]

    private RotaryAttentionTape(AttentionTape attention, RotaryEmbedding rotary, Tensor cos, Tensor sin)
    {
        _attention = attention; _rotary = rotary; _cos = cos; _sin = sin;
    }

    /// <summary>
    /// q [P, H, N, hd], k and v [P, Hkv, N, hd] before RoPE (the model's own projections); <paramref name="ctx"/> carries
    /// the mask the model's attention uses (sliding windows applied). <paramref name="scoresInModelDtype"/>: LLaMA's family
    /// casts the rotated q and k back to v's dtype, GPT-J and NeoX keep them in float32. A tape per group as
    /// <see cref="AttentionTape.Record"/>; <paramref name="output"/> is [P, N, H·hd].
    /// </summary>
    public static RotaryAttentionTape[] Record(RotaryEmbedding rotary, bool scoresInModelDtype, Tensor q, Tensor k, Tensor v,
        AttentionContext ctx, int layer, double scale, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var (rq, rk) = rotary.Apply(q, k, ctx.PositionIds);
        if (scoresInModelDtype) { rq = rq.to(v.dtype); rk = rk.to(v.dtype); }
        var attention = AttentionTape.Record(rq, rk, v, ctx, layer, scale, groups, out var attended);
        output = attended.MoveToOuterDisposeScope();
        var type = AttentionKernel.SoftmaxType(q.dtype);
        return groups.Select((g, i) =>
        {
            var (cos, sin) = rotary.CosSin(g.Suffix(ctx.PositionIds), type);                     // [P, 1, T, r]
            return new RotaryAttentionTape(attention[i].MoveToOuterDisposeScope(), rotary,
                cos.transpose(1, 2).unsqueeze(1).contiguous().MoveToOuterDisposeScope(),
                sin.transpose(1, 2).unsqueeze(1).contiguous().MoveToOuterDisposeScope());
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
    /// <paramref name="gOut"/> [P·B, t, H·hd] (cotangents of the last t positions' attention outputs) → in the model dtype,
    /// contiguous: q [P·B, t, H·hd] for those t positions, k and v [P·B, T, Hkv·hd] for all T suffix positions, each the
    /// cotangent of the projection's output before RoPE.
    /// </summary>
    public (Tensor Q, Tensor K, Tensor V) Backward(Tensor gOut)
    {
        using var scope = torch.NewDisposeScope();
        var (gq, gk, gv) = _attention.Backward(gOut);                    // [P·B, t|T, heads, hd]
        long b = gOut.shape[0], t = gq.shape[1], T = gk.shape[1], prompts = _cos.shape[0], rows = _cos.shape[2];
        // per prompt: [P, B, positions, heads, hd] against the prompt's angles
        Tensor Back(Tensor g, long count) => _rotary.RotateBack(g.view(prompts, b / prompts, count, g.shape[2], g.shape[3]),
            _cos.narrow(2, rows - count, count), _sin.narrow(2, rows - count, count)).to(gOut.dtype);
        var q = Back(gq, t);
        var k = Back(gk, T);
        return (q.reshape(b, t, -1).MoveToOuterDisposeScope(), k.reshape(b, T, -1).MoveToOuterDisposeScope(),
            gv.reshape(b, T, -1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <see cref="Backward"/>, then through q = x·W_qᵀ (+b), k, v ([out, in] weights) to the attention's input x:
    /// [P·B, T, d], where only the last t positions get the query term (earlier queries carry no cotangent).
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
