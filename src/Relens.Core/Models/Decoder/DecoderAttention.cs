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

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        Tensor q, k, v;
        if (qkv_proj is not null)
        {
            var qkv = qkv_proj.forward(x);
            q = qkv.narrow(-1, 0, _qWidth);
            k = qkv.narrow(-1, _qWidth, _kvWidth);
            v = qkv.narrow(-1, _qWidth + _kvWidth, _kvWidth);
        }
        else
        {
            q = q_proj!.forward(x);
            k = k_proj!.forward(x);
            v = v_proj!.forward(x);
        }
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
