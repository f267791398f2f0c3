using Relens.Models.Layers;
using Relens.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Decoder;

/// <summary>
/// Grouped-query attention with rotate-half RoPE on the first RotaryDim features of each head. Optional parts, as
/// the spec says: biases, Phi-3's fused qkv_proj (rows [q | k | v], each head's rows contiguous), Qwen 3's per-head
/// or OLMo 2's whole-projection q/k RMSNorm (before RoPE), Gemma 2's score soft-capping and sliding windows.
/// </summary>
public sealed class DecoderAttention : nn.Module
{
    public readonly LinearLayer? q_proj;
    public readonly LinearLayer? k_proj;
    public readonly LinearLayer? v_proj;
    public readonly LinearLayer? qkv_proj;
    public readonly LinearLayer o_proj;
    public readonly RmsNormLayer? q_norm;
    public readonly RmsNormLayer? k_norm;
    private readonly RotaryEmbedding _rotary;
    private readonly int _layer;
    private readonly long _heads, _kvHeads, _qWidth, _kvWidth;
    private readonly double _scale;
    private readonly double? _softcap;
    private readonly int? _window;
    private readonly QkNorm _qkNorm;

    public DecoderAttention(DecoderSpec spec, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("DecoderAttention")
    {
        _heads = spec.NumHeads;
        _kvHeads = spec.NumKeyValueHeads;
        _qWidth = _heads * spec.HeadDim;
        _kvWidth = _kvHeads * spec.HeadDim;
        if (spec.Fused)
            qkv_proj = new LinearLayer(spec.HiddenSize, _qWidth + 2 * _kvWidth, spec.QkvBias, dtype, device);
        else
        {
            q_proj = new LinearLayer(spec.HiddenSize, _qWidth, spec.QkvBias, dtype, device);
            k_proj = new LinearLayer(spec.HiddenSize, _kvWidth, spec.QkvBias, dtype, device);
            v_proj = new LinearLayer(spec.HiddenSize, _kvWidth, spec.QkvBias, dtype, device);
        }
        o_proj = new LinearLayer(_qWidth, spec.HiddenSize, spec.OutputBias, dtype, device);
        _qkNorm = spec.QkNorm;
        if (spec.QkNorm != QkNorm.None)
        {
            bool perHead = spec.QkNorm == QkNorm.PerHead;
            q_norm = new RmsNormLayer(perHead ? spec.HeadDim : _qWidth, spec.RmsNormEps, dtype, device, spec.NormGain);
            k_norm = new RmsNormLayer(perHead ? spec.HeadDim : _kvWidth, spec.RmsNormEps, dtype, device, spec.NormGain);
        }
        _rotary = rotary;
        _layer = layer;
        _scale = spec.AttentionScale;
        _softcap = spec.AttentionSoftcap;
        _window = spec.SlidingWindows[layer];
        RegisterComponents();
    }

    // what the Jacobian tapes (Lre/) mirror
    internal RotaryEmbedding Rotary => _rotary;
    internal double Scale => _scale;
    internal int? Window => _window;

    /// <summary>q, k and v projections [out, in] (views of Phi-3's fused qkv_proj rows).</summary>
    internal (Tensor Q, Tensor K, Tensor V) Weights()
    {
        if (qkv_proj is null) return (q_proj!.Weight(), k_proj!.Weight(), v_proj!.Weight());
        var w = qkv_proj.Weight();
        return (w.narrow(0, 0, _qWidth), w.narrow(0, _qWidth, _kvWidth), w.narrow(0, _qWidth + _kvWidth, _kvWidth));
    }

    /// <summary>q, k and v for the input <paramref name="x"/>, before heads are split (the forward pass's projections).</summary>
    internal (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        if (qkv_proj is null) return (q_proj!.forward(x), k_proj!.forward(x), v_proj!.forward(x));
        var qkv = qkv_proj.forward(x);
        return (qkv.narrow(-1, 0, _qWidth), qkv.narrow(-1, _qWidth, _kvWidth), qkv.narrow(-1, _qWidth + _kvWidth, _kvWidth));
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var (q, k, v) = Project(x);
        if (_qkNorm == QkNorm.WholeProjection) { q = q_norm!.forward(q); k = k_norm!.forward(k); }
        q = AttentionKernel.SplitHeads(q, _heads);                           // [B, H, T, hd]
        k = AttentionKernel.SplitHeads(k, _kvHeads);                         // [B, Hkv, T, hd]
        v = AttentionKernel.SplitHeads(v, _kvHeads);
        if (_qkNorm == QkNorm.PerHead) { q = q_norm!.forward(q); k = k_norm!.forward(k); }
        var (rq, rk) = _rotary.Apply(q, k, ctx.PositionIds);                 // float32 at least
        // as HF's LLaMA family: the scores are computed in the model's dtype
        q = rq.to(v.dtype);
        k = rk.to(v.dtype);
        if (_window is { } window) ctx = SlidingWindow.Apply(ctx, window);
        var heads = AttentionKernel.Attend(q, k, v, ctx, _layer, _scale, _softcap); // [B, T, H·hd]
        return o_proj.forward(heads).MoveToOuterDisposeScope();
    }
}
