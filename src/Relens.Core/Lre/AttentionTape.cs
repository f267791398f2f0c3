using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// Scaled dot-product attention (as <see cref="AttentionKernel.Attend"/>) of the suffixes of a group of P prompts
/// (<see cref="TapeGroup"/>), with its VJP for B cotangents per prompt. Queries, keys, values and probabilities are
/// those of the single forward pass, so the cotangents fold into the rows of per-head-and-prompt matmuls —
/// [H·P, B·t, hd] × [H·P, hd, S] — instead of B·H tiny products. Only the suffix's keys and values get cotangents
/// (earlier positions are constants).
/// </summary>
internal sealed class AttentionTape
{
    // suffix queries [H, P, T, hd] and all keys [H, P, S, hd], both times the score scale; all values [H, P, S, hd];
    // suffix probabilities [H, P, T, S]; all in the softmax dtype. Heads lead, then prompts, so that cotangents of
    // the heads' matmuls [H·P, B·t, hd] are [P·B, t, H, hd] as views.
    // The suffix is the last T of the S key positions (the same S for every prompt of the padded batch).
    private readonly Tensor _q, _k, _v, _probs;
    private readonly long _kvHeads;

    private AttentionTape(Tensor q, Tensor k, Tensor v, Tensor probs, long kvHeads)
    {
        _q = q; _k = k; _v = v; _probs = probs; _kvHeads = kvHeads;
    }

    /// <summary>Mirrors AttentionKernel.Attend op for op (so outputs are identical) for q [P, H, N, hd], k, v
    /// [P, Hkv, N, hd]; <paramref name="output"/> is [P, N, H·hd]. Each group's tape keeps the queries and probabilities
    /// of its suffix positions and all keys and values (padding keys have probability 0, so they never receive a
    /// cotangent).</summary>
    public static AttentionTape[] Record(Tensor q, Tensor k, Tensor v, AttentionContext ctx, int layer, double scale,
        IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        if (ctx.Past is not null) throw new ArgumentException("attention tapes record whole prompts (no KV cache)");
        long prompts = q.shape[0], heads = q.shape[1], kvHeads = k.shape[1], n = q.shape[2];
        if (kvHeads != heads)
        {
            k = k.repeat_interleave(heads / kvHeads, 1);
            v = v.repeat_interleave(heads / kvHeads, 1);
        }
        var softmaxType = AttentionKernel.SoftmaxType(q.dtype);
        var scores = torch.matmul(q, k.transpose(-1, -2)).to(softmaxType) * scale;
        scores = scores + ctx.Mask.to(softmaxType);
        var probs = nn.functional.softmax(scores, -1);
        var heads4 = torch.matmul(probs.to(v.dtype), v);
        output = heads4.transpose(1, 2).reshape(prompts, n, heads * heads4.shape[3]).MoveToOuterDisposeScope();
        var q32 = q.to(softmaxType);
        var k32 = k.to(softmaxType);
        var v32 = v.to(softmaxType);
        // The score scale is folded into the saved queries and keys: each of their cotangents carries it once.
        // Copies, not views: a view would keep the whole batch's q|k|v and probabilities alive.
        static Tensor HeadsFirst(Tensor x)
        {
            var heads = x.transpose(0, 1);
            var copy = torch.empty(heads.shape, dtype: heads.dtype, device: heads.device); // contiguous() may alias (P = 1)
            copy.copy_(heads);
            return copy.MoveToOuterDisposeScope();
        }
        return groups.Select(g => new AttentionTape(HeadsFirst(g.Suffix(q32, 2) * scale), HeadsFirst(g.Prompts(k32) * scale),
            HeadsFirst(g.Prompts(v32)), HeadsFirst(g.Suffix(probs, 2)), kvHeads)).ToArray();
    }

    /// <summary>Hands the recorded tensors to the caller's outer dispose scope.</summary>
    public AttentionTape MoveToOuterDisposeScope()
    {
        foreach (var t in new[] { _q, _k, _v, _probs }) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>
    /// <paramref name="gOut"/> [P·B, t, H·hd]: cotangents of the last t queries' outputs, prompt-major. Returns, in the
    /// model dtype and [P·B, positions, heads, hd] layout (views, copy them where needed): the query cotangents of those
    /// t positions, and the key and value cotangents of all T suffix positions (Hkv heads).
    /// </summary>
    public (Tensor Q, Tensor K, Tensor V) Backward(Tensor gOut)
    {
        using var scope = torch.NewDisposeScope();
        long heads = _q.shape[0], prompts = _q.shape[1], T = _q.shape[2], hd = _q.shape[3], S = _k.shape[2];
        long rows = gOut.shape[0], b = rows / prompts, t = gOut.shape[1], hp = heads * prompts;
        var dtype = gOut.dtype;
        // [H, P, B, t, hd]: heads and prompts first, so each (head, prompt)'s cotangents are the rows of one matmul
        var go = gOut.to(_q.dtype).view(prompts, b, t, heads, hd).permute(3, 0, 1, 2, 4).contiguous();
        var probs = _probs.narrow(2, T - t, t).unsqueeze(2);                                     // [H, P, 1, t, S]
        var gp = torch.matmul(go.view(hp, b * t, hd), _v.view(hp, S, hd).transpose(1, 2)).view(heads, prompts, b, t, S);
        // softmax VJP: p ⊙ (g − Σ g·p) = p⊙g − p·Σ(p⊙g), in place
        gp.mul_(probs);
        var gs = gp.addcmul_(probs, gp.sum([-1], keepdim: true), -1.0);
        var gq = torch.matmul(gs.view(hp, b * t, S), _k.view(hp, S, hd)).view(heads, rows, t, hd);
        // keys of the suffix: Σ over the t queries of gs · q
        var gsNew = gs.narrow(4, S - T, T).transpose(3, 4).reshape(hp, b * T, t);
        var gk = torch.matmul(gsNew, _q.narrow(2, T - t, t).reshape(hp, t, hd)).view(heads, rows, T, hd);
        // values of the suffix: Σ over the t queries of p · g_out, with B·hd as the matmul's columns
        var goCols = go.permute(0, 1, 3, 2, 4).reshape(hp, t, b * hd);
        var probsNew = _probs.narrow(2, T - t, t).narrow(3, S - T, T).transpose(2, 3).reshape(hp, T, t);
        var gv = torch.matmul(probsNew, goCols).view(heads, prompts, T, b, hd).permute(1, 3, 2, 0, 4).reshape(rows, T, heads, hd);
        var q = gq.permute(1, 2, 0, 3);
        var k = GroupSum(gk.permute(1, 2, 0, 3));
        var v = GroupSum(gv);
        return (q.to(dtype).MoveToOuterDisposeScope(), k.to(dtype).MoveToOuterDisposeScope(), v.to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The cotangent at the input of the q, k and v projections from <see cref="Backward"/>'s cotangents, as one matmul
    /// with the stacked projection <paramref name="w"/> [dq + 2·dkv, d_in] (input cotangent = [g_q | g_k | g_v] · w):
    /// one [B·T, 3d] × [3d, d] product runs nearer the matmul rate than three [B·T, d] × [d, d] ones, which on the
    /// d = 256 world model were a sixth of the backward's time. In the last block (t &lt; T) the query rows that
    /// carry no cotangent are skipped. Returns [B, T, d_in].
    /// </summary>
    public static Tensor ToProjectionInput((Tensor Q, Tensor K, Tensor V) g, Tensor w)
    {
        using var scope = torch.NewDisposeScope();
        var (gq, gk, gv) = g;
        long b = gk.shape[0], T = gk.shape[1], t = gq.shape[1];
        long dq = gq.shape[2] * gq.shape[3], dkv = gk.shape[2] * gk.shape[3];
        var gqkv = torch.empty(b, T, dq + 2 * dkv, dtype: gk.dtype);
        gqkv.narrow(2, dq, dkv).view(gk.shape).copy_(gk);
        gqkv.narrow(2, dq + dkv, dkv).view(gv.shape).copy_(gv);
        Tensor gx;
        if (t == T)
        {
            gqkv.narrow(2, 0, dq).view(gq.shape).copy_(gq);
            gx = torch.matmul(gqkv, w);
        }
        else
        {
            var gqTail = gqkv.narrow(1, T - t, t).narrow(2, 0, dq);
            gqTail.view(gq.shape).copy_(gq);
            gx = torch.matmul(gqkv.narrow(2, dq, 2 * dkv), w.narrow(0, dq, 2 * dkv));
            gx.narrow(1, T - t, t).add_(torch.matmul(gqTail, w.narrow(0, 0, dq)));
        }
        return gx.MoveToOuterDisposeScope();
    }

    /// <summary>Grouped-query attention: a KV head served heads/Hkv query heads, so its cotangent sums theirs.</summary>
    private Tensor GroupSum(Tensor g)
    {
        long heads = g.shape[2];
        if (_kvHeads == heads) return g;
        return g.reshape(g.shape[0], g.shape[1], _kvHeads, heads / _kvHeads, g.shape[3]).sum(3);
    }
}
